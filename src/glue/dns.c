/*
 * dns.c
 *	  rebound.dns_lookup(): MX, NS and host addresses of many domains,
 *	  resolved concurrently with c-ares from inside the backend.
 *
 * One c-ares channel per call.  At most rebound.dns_concurrency domains are
 * in flight; each asks MX and NS, then A and AAAA of every host named
 * (once per host for the whole call, however many domains share it).  The
 * loop waits on the channel's sockets with poll() in slices of at most
 * 100 ms and checks for interrupts between slices, so Ctrl-C and
 * statement_timeout stop it; the channel is destroyed on the way out.
 * The callbacks only store what they get: no ereport can happen inside
 * c-ares.  Answers are read by core/dnsmsg.c.
 *
 * c-ares: the sockets to wait on are learnt from the socket-state callback
 * (every version), which replaces ares_getsock(), deprecated in 1.34.
 * From 1.28 queries go through ares_query_dnsrec() and the answer is
 * written back to wire format for core/dnsmsg.c (what ares_query() itself
 * does there); from 1.34 the sockets are served by ares_process_fds().
 * Older versions (Debian 12 has 1.18) use ares_query() and
 * ares_process_fd().  Status codes and their meaning are the same on both
 * paths.
 *
 * The results are returned, not recorded: rebound.resolve_domain() and
 * rebound.refresh_domains() (SQL) turn them into observations, leaving
 * failures (SERVFAIL, timeouts, refusals) out.
 */
#include "rebound.h"

#include <arpa/inet.h>
#include <ares.h>
#include <poll.h>
#include <sys/socket.h>

#include "catalog/pg_type.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/hsearch.h"
#include "utils/inet.h"
#include "utils/timestamp.h"

#include "core/dnsmsg.h"
#include "core/domain.h"

/* settings */
static char *rb_dns_servers = NULL;
static int	rb_dns_timeout = 2000;
static int	rb_dns_concurrency = 100;

#define MAX_CNAME_HOPS	8
/* sockets of one channel: one per server and transport in practice */
#define MAX_SOCKETS		64

#if ARES_VERSION >= 0x011c00	/* 1.28: ares_query_dnsrec() */
#define RB_ARES_DNSREC 1
#endif
#if ARES_VERSION >= 0x012200	/* 1.34: ares_process_fds() */
#define RB_ARES_PROCESS_FDS 1
#endif
#define MAX_HOSTS_PER_ROLE	32
#define MAX_ADDRS	32

typedef enum LookupStatus
{
	ST_PENDING = 0,
	ST_OK,
	ST_NODATA,
	ST_NXDOMAIN,
	ST_NULL_MX,
	ST_SERVFAIL,
	ST_TIMEOUT,
	ST_REFUSED,
	ST_ERROR,
	ST_INVALID
} LookupStatus;

static const char *const status_names[] = {
	"pending", "ok", "nodata", "nxdomain", "null_mx", "servfail", "timeout",
	"refused", "error", "invalid"
};

/* One role (MX or NS) of one domain, or one address family of one host. */
typedef struct RoleResult
{
	LookupStatus status;
	int			nhosts;
	char	   *hosts[MAX_HOSTS_PER_ROLE];	/* "pref host" for MX */
	TimestampTz at;
} RoleResult;

typedef struct DomainJob
{
	char	   *name;
	RoleResult	mx;
	RoleResult	ns;
	bool		done;
} DomainJob;

typedef struct HostJob
{
	char		name[RB_DNS_NAME_BUFSIZE];	/* hash key */
	LookupStatus a_status;
	LookupStatus aaaa_status;
	int			naddrs;
	int			family[MAX_ADDRS];
	unsigned char addr[MAX_ADDRS][16];
	TimestampTz at;
} HostJob;

/* A socket of the channel and what c-ares waits for on it. */
typedef struct SockWatch
{
	ares_socket_t fd;
	bool		readable;
	bool		writable;
} SockWatch;

typedef struct Lookup
{
	ares_channel channel;
	HTAB	   *hosts;
	int			nsocks;
	SockWatch	socks[MAX_SOCKETS];
	int			pending;		/* queries not answered yet */
	int			active;			/* domains whose MX or NS is not known yet */
	MemoryContext cxt;
} Lookup;

typedef struct QueryCtx
{
	Lookup	   *lk;
	int			type;
	DomainJob  *domain;			/* MX, NS */
	HostJob    *host;			/* A, AAAA */
	char		qname[RB_DNS_NAME_BUFSIZE];
	int			hops;
} QueryCtx;

void		rb_dns_init(void);

void
rb_dns_init(void)
{
	DefineCustomStringVariable("rebound.dns_servers",
							   "DNS servers rebound queries (host or host:port, comma-separated; empty: the system's resolver).",
							   "IPv6 addresses go in brackets: [::1]:53.",
							   &rb_dns_servers, "",
							   PGC_SUSET, 0, NULL, NULL, NULL);
	DefineCustomIntVariable("rebound.dns_timeout",
							"Time rebound waits for one DNS answer.",
							NULL, &rb_dns_timeout, 2000, 10, 60000,
							PGC_USERSET, GUC_UNIT_MS, NULL, NULL, NULL);
	DefineCustomIntVariable("rebound.dns_concurrency",
							"Domains rebound resolves at the same time.",
							NULL, &rb_dns_concurrency, 100, 1, 10000,
							PGC_USERSET, 0, NULL, NULL, NULL);
}

static LookupStatus
MapAresStatus(int status)
{
	switch (status)
	{
		case ARES_SUCCESS:
			return ST_OK;
		case ARES_ENODATA:
			return ST_NODATA;
		case ARES_ENOTFOUND:
			return ST_NXDOMAIN;
		case ARES_ESERVFAIL:
			return ST_SERVFAIL;
		case ARES_ETIMEOUT:
			return ST_TIMEOUT;
		case ARES_EREFUSED:
		case ARES_ECONNREFUSED:
			return ST_REFUSED;
		default:
			return ST_ERROR;
	}
}

static void QueryDone(void *arg, int status, const unsigned char *abuf, size_t alen);

#ifdef RB_ARES_DNSREC
static void
QueryCallback(void *arg, ares_status_t status, size_t timeouts,
			  const ares_dns_record_t *dnsrec)
{
	unsigned char *abuf = NULL;
	size_t		alen = 0;

	/* the wire form, as ares_query() hands it over */
	if (dnsrec != NULL)
	{
		ares_status_t wrc = ares_dns_write(dnsrec, &abuf, &alen);

		if (wrc != ARES_SUCCESS)
			status = wrc;
	}
	QueryDone(arg, (int) status, abuf, alen);
	if (abuf != NULL)
		ares_free_string(abuf);
}
#else
static void
QueryCallback(void *arg, int status, int timeouts, unsigned char *abuf, int alen)
{
	QueryDone(arg, status, abuf, alen > 0 ? (size_t) alen : 0);
}
#endif

static void
StartQuery(Lookup *lk, int type, DomainJob *d, HostJob *h, const char *qname, int hops)
{
	QueryCtx   *q = MemoryContextAllocZero(lk->cxt, sizeof(QueryCtx));

	q->lk = lk;
	q->type = type;
	q->domain = d;
	q->host = h;
	strlcpy(q->qname, qname, sizeof(q->qname));
	q->hops = hops;
	lk->pending++;
#ifdef RB_ARES_DNSREC
	ares_query_dnsrec(lk->channel, qname, ARES_CLASS_IN, (ares_dns_rec_type_t) type,
					  QueryCallback, q, NULL);
#else
	ares_query(lk->channel, qname, 1 /* C_IN */ , type, QueryCallback, q);
#endif
}

/* An address literal used as a host name (seen as MX targets). */
static bool
ParseLiteral(const char *name, int *family, unsigned char *addr)
{
	if (inet_pton(AF_INET, name, addr) == 1)
	{
		*family = 4;
		return true;
	}
	if (inet_pton(AF_INET6, name, addr) == 1)
	{
		*family = 6;
		return true;
	}
	return false;
}

static void
AddHost(Lookup *lk, const char *name)
{
	bool		found;
	HostJob    *h;

	if (name[0] == '\0' || strlen(name) >= RB_DNS_NAME_BUFSIZE)
		return;
	h = hash_search(lk->hosts, name, HASH_ENTER, &found);
	if (found)
		return;
	h->a_status = h->aaaa_status = ST_PENDING;
	h->naddrs = 0;
	if (ParseLiteral(name, &h->family[0], h->addr[0]))
	{
		h->naddrs = 1;
		h->a_status = h->aaaa_status = ST_OK;
		h->at = GetCurrentTimestamp();
		return;
	}
	StartQuery(lk, RB_DNS_T_A, NULL, h, name, 0);
	StartQuery(lk, RB_DNS_T_AAAA, NULL, h, name, 0);
}

static void
RoleDone(Lookup *lk, QueryCtx *q, RoleResult *res, const rb_dns_reply *reply)
{
	int			idx[RB_DNS_MAX_RRS];
	const char *final;
	int			n;

	res->at = GetCurrentTimestamp();
	n = rb_dns_answers(reply, q->qname, (uint16_t) q->type, idx, RB_DNS_MAX_RRS, &final);
	if (n < 0)
	{
		res->status = ST_ERROR; /* CNAME loop */
		return;
	}
	if (n == 0)
	{
		if (strcmp(final, q->qname) != 0)
		{
			/* the chain left this answer: ask for its end */
			if (q->hops >= MAX_CNAME_HOPS)
				res->status = ST_ERROR;
			else
				StartQuery(lk, q->type, q->domain, NULL, final, q->hops + 1);
			return;
		}
		res->status = ST_NODATA;
		return;
	}
	res->status = ST_OK;
	for (int i = 0; i < n && res->nhosts < MAX_HOSTS_PER_ROLE; i++)
	{
		const rb_dns_rr *rr = &reply->rrs[idx[i]];

		if (q->type == RB_DNS_T_MX)
		{
			/* RFC 7505: a single MX with the root as target */
			if (rr->target[0] == '\0')
			{
				res->hosts[res->nhosts++] =
					MemoryContextStrdup(lk->cxt, psprintf("%u .", rr->preference));
				if (n == 1)
					res->status = ST_NULL_MX;
				continue;
			}
			res->hosts[res->nhosts++] =
				MemoryContextStrdup(lk->cxt, psprintf("%u %s", rr->preference, rr->target));
		}
		else
			res->hosts[res->nhosts++] = MemoryContextStrdup(lk->cxt, rr->target);
		AddHost(lk, rr->target);
	}
}

static void
QueryDone(void *arg, int status, const unsigned char *abuf, size_t alen)
{
	QueryCtx   *q = arg;
	Lookup	   *lk = q->lk;
	LookupStatus st;
	rb_dns_reply *reply = NULL;
	MemoryContext old;

	lk->pending--;
	/* the channel is being destroyed after an error: store nothing */
	if (status == ARES_EDESTRUCTION || status == ARES_ECANCELLED)
		return;

	old = MemoryContextSwitchTo(lk->cxt);
	st = MapAresStatus(status);
	if (st == ST_OK)
	{
		reply = palloc(sizeof(rb_dns_reply));
		if (abuf == NULL || rb_dns_parse(abuf, alen, reply) != RB_DNS_OK)
			st = ST_ERROR;
	}

	if (q->domain != NULL)
	{
		RoleResult *res = q->type == RB_DNS_T_MX ? &q->domain->mx : &q->domain->ns;

		if (st == ST_OK)
			RoleDone(lk, q, res, reply);
		else if (st == ST_NODATA && q->type == RB_DNS_T_NS && strchr(q->qname, '.') != NULL &&
				 strchr(strchr(q->qname, '.') + 1, '.') != NULL)
		{
			/* no zone cut here: the parent's name servers serve this name */
			StartQuery(lk, RB_DNS_T_NS, q->domain, NULL, strchr(q->qname, '.') + 1, q->hops + 1);
		}
		else
		{
			res->status = st;
			res->at = GetCurrentTimestamp();
		}
		if (!q->domain->done && q->domain->mx.status != ST_PENDING &&
			q->domain->ns.status != ST_PENDING)
		{
			q->domain->done = true;
			lk->active--;
		}
	}
	else
	{
		HostJob    *h = q->host;
		LookupStatus *slot = q->type == RB_DNS_T_A ? &h->a_status : &h->aaaa_status;

		h->at = GetCurrentTimestamp();
		*slot = st;
		if (st == ST_OK)
		{
			int			idx[RB_DNS_MAX_RRS];
			const char *final;
			int			n = rb_dns_answers(reply, q->qname, (uint16_t) q->type,
										   idx, RB_DNS_MAX_RRS, &final);

			if (n < 0)
				*slot = ST_ERROR;
			else if (n == 0 && strcmp(final, q->qname) != 0 && q->hops < MAX_CNAME_HOPS)
			{
				*slot = ST_PENDING;
				StartQuery(lk, q->type, NULL, h, final, q->hops + 1);
			}
			else if (n == 0)
				*slot = strcmp(final, q->qname) != 0 ? ST_ERROR : ST_NODATA;
			for (int i = 0; i < n && h->naddrs < MAX_ADDRS; i++)
			{
				h->family[h->naddrs] = q->type == RB_DNS_T_A ? 4 : 6;
				memcpy(h->addr[h->naddrs], reply->rrs[idx[i]].addr, 16);
				h->naddrs++;
			}
		}
	}
	MemoryContextSwitchTo(old);
}

/*
 * c-ares tells which sockets it opened, closed, and waits on: keep the list.
 * Called inside c-ares (sending, processing, destroying): no ereport.
 */
static void
SockStateCallback(void *data, ares_socket_t fd, int readable, int writable)
{
	Lookup	   *lk = data;
	int			i;

	for (i = 0; i < lk->nsocks; i++)
		if (lk->socks[i].fd == fd)
			break;
	if (!readable && !writable)
	{
		/* closed: forget it */
		if (i < lk->nsocks)
			lk->socks[i] = lk->socks[--lk->nsocks];
		return;
	}
	if (i == lk->nsocks)
	{
		/* more sockets than ever seen: served by the timeouts alone */
		if (lk->nsocks == MAX_SOCKETS)
			return;
		lk->nsocks++;
	}
	lk->socks[i].fd = fd;
	lk->socks[i].readable = readable != 0;
	lk->socks[i].writable = writable != 0;
}

/* Hand c-ares the sockets poll() found ready (none: timeouts only). */
static void
ProcessReady(Lookup *lk, const struct pollfd *pfd, int nfds)
{
#ifdef RB_ARES_PROCESS_FDS
	ares_fd_events_t events[MAX_SOCKETS];
	size_t		nevents = 0;

	for (int i = 0; i < nfds; i++)
	{
		unsigned int ev = 0;

		if (pfd[i].revents & (POLLIN | POLLERR | POLLHUP))
			ev |= ARES_FD_EVENT_READ;
		if (pfd[i].revents & POLLOUT)
			ev |= ARES_FD_EVENT_WRITE;
		if (ev == 0)
			continue;
		events[nevents].fd = pfd[i].fd;
		events[nevents].events = ev;
		nevents++;
	}
	ares_process_fds(lk->channel, nevents > 0 ? events : NULL, nevents,
					 ARES_PROCESS_FLAG_NONE);
#else
	bool		any = false;

	for (int i = 0; i < nfds; i++)
	{
		ares_socket_t rfd = ARES_SOCKET_BAD,
					wfd = ARES_SOCKET_BAD;

		if (pfd[i].revents & (POLLIN | POLLERR | POLLHUP))
			rfd = pfd[i].fd;
		if (pfd[i].revents & POLLOUT)
			wfd = pfd[i].fd;
		if (rfd != ARES_SOCKET_BAD || wfd != ARES_SOCKET_BAD)
		{
			ares_process_fd(lk->channel, rfd, wfd);
			any = true;
		}
	}
	if (!any)
		ares_process_fd(lk->channel, ARES_SOCKET_BAD, ARES_SOCKET_BAD);
#endif
}

/* Wait for the channel's sockets, at most 100 ms, and process. */
static void
PumpChannel(Lookup *lk)
{
	struct pollfd pfd[MAX_SOCKETS];
	int			nfds = 0;
	struct timeval maxtv = {0, 100000};
	struct timeval tv;
	struct timeval *tvp;
	int			timeout_ms;
	int			rc;

	for (int i = 0; i < lk->nsocks; i++)
	{
		pfd[nfds].fd = lk->socks[i].fd;
		pfd[nfds].events = (lk->socks[i].readable ? POLLIN : 0) |
			(lk->socks[i].writable ? POLLOUT : 0);
		pfd[nfds].revents = 0;
		nfds++;
	}
	tvp = ares_timeout(lk->channel, &maxtv, &tv);
	timeout_ms = (int) (tvp->tv_sec * 1000 + (tvp->tv_usec + 999) / 1000);

	rc = poll(pfd, nfds, timeout_ms);
	if (rc < 0 && errno != EINTR)
		ereport(ERROR,
				(errcode_for_socket_access(),
				 errmsg("could not wait for DNS answers: %m")));
	ProcessReady(lk, pfd, rc > 0 ? nfds : 0);
}

static void
OpenChannel(Lookup *lk)
{
	struct ares_options opts;
	int			optmask = ARES_OPT_TIMEOUTMS | ARES_OPT_TRIES | ARES_OPT_FLAGS |
		ARES_OPT_SOCK_RCVBUF | ARES_OPT_SOCK_STATE_CB;
	int			rc;
	static bool library_ready = false;

	if (!library_ready)
	{
		rc = ares_library_init(ARES_LIB_INIT_ALL);
		if (rc != ARES_SUCCESS)
			ereport(ERROR,
					(errcode(ERRCODE_SYSTEM_ERROR),
					 errmsg("could not initialize c-ares: %s", ares_strerror(rc))));
		library_ready = true;
	}
	memset(&opts, 0, sizeof(opts));
	/*
	 * Two tries, the second waiting twice as long (c-ares doubles it), within
	 * rebound.dns_timeout in all: a datagram lost under load is asked again
	 * instead of being reported as a timeout.
	 */
	opts.timeout = Max(rb_dns_timeout / 3, 1);
	opts.tries = 2;
	/* room for the answers of many queries in flight on one socket */
	opts.socket_receive_buffer_size = 1024 * 1024;
	/* NOCHECKRESP: report SERVFAIL and REFUSED as the server said them */
	opts.flags = ARES_FLAG_NOSEARCH | ARES_FLAG_EDNS | ARES_FLAG_NOCHECKRESP;
	/* the sockets to poll */
	lk->nsocks = 0;
	opts.sock_state_cb = SockStateCallback;
	opts.sock_state_cb_data = lk;
	rc = ares_init_options(&lk->channel, &opts, optmask);
	if (rc != ARES_SUCCESS)
		ereport(ERROR,
				(errcode(ERRCODE_SYSTEM_ERROR),
				 errmsg("could not initialize the DNS resolver: %s", ares_strerror(rc))));
	if (rb_dns_servers != NULL && rb_dns_servers[0] != '\0')
	{
		rc = ares_set_servers_ports_csv(lk->channel, rb_dns_servers);
		if (rc != ARES_SUCCESS)
		{
			ares_destroy(lk->channel);
			lk->channel = NULL;
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("invalid value for rebound.dns_servers: \"%s\"", rb_dns_servers),
					 errdetail("%s", ares_strerror(rc)),
					 errhint("Give addresses with optional ports, comma-separated: 127.0.0.1:5353,[::1]:53.")));
		}
	}
}

static Datum
TextArray(char **items, int n)
{
	Datum	   *d = palloc(sizeof(Datum) * (n > 0 ? n : 1));

	for (int i = 0; i < n; i++)
		d[i] = CStringGetTextDatum(items[i]);
	return PointerGetDatum(construct_array(d, n, TEXTOID, -1, false, TYPALIGN_INT));
}

static Datum
InetArray(HostJob *h)
{
	Datum	   *d = palloc(sizeof(Datum) * (h->naddrs > 0 ? h->naddrs : 1));

	for (int i = 0; i < h->naddrs; i++)
	{
		inet	   *ip = palloc0(sizeof(inet));

		ip_family(ip) = h->family[i] == 4 ? PGSQL_AF_INET : PGSQL_AF_INET6;
		ip_bits(ip) = h->family[i] == 4 ? 32 : 128;
		memcpy(ip_addr(ip), h->addr[i], h->family[i] == 4 ? 4 : 16);
		SET_INET_VARSIZE(ip);
		d[i] = InetPGetDatum(ip);
	}
	return PointerGetDatum(construct_array(d, h->naddrs, INETOID, -1, false, TYPALIGN_INT));
}

static void
PutRow(ReturnSetInfo *rsinfo, const char *name, const char *kind, LookupStatus st,
	   Datum hosts, bool hosts_null, Datum addrs, bool addrs_null, TimestampTz at)
{
	Datum		values[6];
	bool		nulls[6] = {false, false, false, hosts_null, addrs_null, at == 0};

	values[0] = CStringGetTextDatum(name);
	values[1] = CStringGetTextDatum(kind);
	values[2] = CStringGetTextDatum(status_names[st]);
	values[3] = hosts;
	values[4] = addrs;
	values[5] = TimestampTzGetDatum(at);
	tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
}

static bool
Observed(LookupStatus st)
{
	return st == ST_OK || st == ST_NODATA || st == ST_NXDOMAIN || st == ST_NULL_MX;
}

static void
PutRole(ReturnSetInfo *rsinfo, DomainJob *d, const char *kind, RoleResult *res)
{
	bool		observed = Observed(res->status);

	PutRow(rsinfo, d->name, kind, res->status,
		   observed ? TextArray(res->hosts, res->nhosts) : (Datum) 0, !observed,
		   (Datum) 0, true, res->at);
}

static LookupStatus
HostStatus(HostJob *h)
{
	/* a failure of either family means the address set is not known */
	if (!Observed(h->a_status))
		return h->a_status;
	if (!Observed(h->aaaa_status))
		return h->aaaa_status;
	if (h->naddrs > 0)
		return ST_OK;
	return h->a_status == ST_NXDOMAIN || h->aaaa_status == ST_NXDOMAIN ? ST_NXDOMAIN : ST_NODATA;
}

PG_FUNCTION_INFO_V1(rebound_dns_lookup);
Datum
rebound_dns_lookup(PG_FUNCTION_ARGS)
{
	ArrayType  *names = PG_GETARG_ARRAYTYPE_P(0);
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	Datum	   *elems;
	bool	   *elem_nulls;
	int			nelems;
	DomainJob  *jobs;
	int			njobs = 0;
	Lookup		lk;
	HASHCTL		ctl;
	int			next = 0;

	InitMaterializedSRF(fcinfo, 0);
	deconstruct_array(names, TEXTOID, -1, false, TYPALIGN_INT, &elems, &elem_nulls, &nelems);

	memset(&lk, 0, sizeof(lk));
	lk.cxt = AllocSetContextCreate(CurrentMemoryContext, "rebound dns lookup",
								   ALLOCSET_DEFAULT_SIZES);
	memset(&ctl, 0, sizeof(ctl));
	ctl.keysize = RB_DNS_NAME_BUFSIZE;
	ctl.entrysize = sizeof(HostJob);
	ctl.hcxt = lk.cxt;
	lk.hosts = hash_create("rebound dns hosts", 256, &ctl,
						   HASH_ELEM | HASH_STRINGS | HASH_CONTEXT);

	/* normalize first: an invalid name is reported, not queried */
	jobs = MemoryContextAllocZero(lk.cxt, sizeof(DomainJob) * (nelems > 0 ? nelems : 1));
	for (int i = 0; i < nelems; i++)
	{
		text	   *t;
		size_t		len;
		char	   *utf8;
		char		norm[RB_DOMAIN_BUFSIZE];
		size_t		normlen;
		DomainJob  *d = &jobs[njobs++];

		if (elem_nulls[i])
		{
			njobs--;
			continue;
		}
		t = DatumGetTextPP(elems[i]);
		utf8 = rb_text_to_utf8(t, &len);
		if (rb_normalize_domain(utf8, len, norm, &normlen) != RB_DOMAIN_OK)
		{
			d->name = text_to_cstring(t);
			d->mx.status = d->ns.status = ST_INVALID;
			continue;
		}
		d->name = MemoryContextStrdup(lk.cxt, norm);
	}

	OpenChannel(&lk);
	PG_TRY();
	{
		for (;;)
		{
			/* keep the window full: a domain counts until its MX and NS end */
			while (next < njobs && lk.active < rb_dns_concurrency)
			{
				DomainJob  *d = &jobs[next++];

				if (d->mx.status == ST_INVALID)
					continue;
				lk.active++;
				StartQuery(&lk, RB_DNS_T_MX, d, NULL, d->name, 0);
				StartQuery(&lk, RB_DNS_T_NS, d, NULL, d->name, 0);
			}
			if (lk.pending == 0 && next >= njobs)
				break;
			PumpChannel(&lk);
			CHECK_FOR_INTERRUPTS();
		}
	}
	PG_FINALLY();
	{
		ares_destroy(lk.channel);
	}
	PG_END_TRY();

	for (int i = 0; i < njobs; i++)
	{
		PutRole(rsinfo, &jobs[i], "mx", &jobs[i].mx);
		PutRole(rsinfo, &jobs[i], "ns", &jobs[i].ns);
	}
	{
		HASH_SEQ_STATUS seq;
		HostJob    *h;

		hash_seq_init(&seq, lk.hosts);
		while ((h = hash_seq_search(&seq)) != NULL)
		{
			LookupStatus st = HostStatus(h);
			bool		observed = Observed(st);

			PutRow(rsinfo, h->name, "addr", st, (Datum) 0, true,
				   observed ? InetArray(h) : (Datum) 0, !observed, h->at);
		}
	}
	MemoryContextDelete(lk.cxt);
	return (Datum) 0;
}
