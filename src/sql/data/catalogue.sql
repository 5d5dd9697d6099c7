-- src/sql/data/catalogue.sql: the provider catalogue: providers, their rules, the tombstones of user deletions.
--
-- Catalogue rows.  Idempotent (tombstones and user rows win), so every
-- upgrade script re-runs this file to bring in new catalogue rows.
--
-- One block per provider: its key, its name, its rules as 'kind pattern'
-- strings, after a comment giving where each fact comes from (the
-- provider's own documentation of its MX and NS host names and published
-- ranges; an AS number as its RIR publishes it).  Rule kinds:
--   domain       a consumer mail domain (the whole name)
--   host_suffix  MX or NS hosts: the name and every name under it
--   gateway      a security gateway's MX hosts: a host_suffix whose MX hosts
--                are the layer 'gateway' (mail goes on to a mailbox
--                provider the DNS does not show)
--   cidr         an address prefix
--   asn          an autonomous system: the prefixes load_prefixes() loaded
--                for it, consulted after every cidr rule
-- A prefix shared by two brands of one group is given to the group's
-- hosting brand (United Internet's 212.227.0.0/16 goes to ionos, not gmx).
-- To add a provider: one more block.
WITH block (name, display_name, rules) AS (VALUES

	-- ==================================================================
	-- Mailbox providers
	-- ==================================================================

	-- OVHcloud: MX mx{0..4}.mail.ovh.net, NS dns*.ovh.net / ns*.ovh.net,
	-- anycast.me for DNS: https://help.ovhcloud.com/csm/en-dns-servers-general-information
	-- and the MX of its e-mail offers (https://help.ovhcloud.com/csm/en-email-mx-records);
	-- prefixes and AS16276 as RIPE publishes them: https://stat.ripe.net/AS16276
	('ovh', 'OVHcloud',
		ARRAY['host_suffix ovh.net', 'host_suffix mail.ovh.net', 'host_suffix ovh.com',
			'host_suffix ovh.ca', 'host_suffix ovhcloud.com', 'host_suffix anycast.me',
			'host_suffix kimsufi.com', 'cidr 5.39.0.0/17', 'cidr 5.135.0.0/16',
			'cidr 5.196.0.0/16', 'cidr 37.59.0.0/16', 'cidr 37.187.0.0/16',
			'cidr 46.105.0.0/16', 'cidr 51.38.0.0/16', 'cidr 51.68.0.0/16',
			'cidr 51.75.0.0/16', 'cidr 51.77.0.0/16', 'cidr 51.83.0.0/16',
			'cidr 51.89.0.0/16', 'cidr 51.91.0.0/16', 'cidr 51.161.0.0/16',
			'cidr 51.178.0.0/16', 'cidr 51.195.0.0/16', 'cidr 51.210.0.0/16',
			'cidr 51.254.0.0/15', 'cidr 54.36.0.0/16', 'cidr 54.37.0.0/16',
			'cidr 54.38.0.0/16', 'cidr 87.98.128.0/17', 'cidr 91.121.0.0/16',
			'cidr 92.222.0.0/16', 'cidr 94.23.0.0/16', 'cidr 137.74.0.0/16',
			'cidr 141.94.0.0/16', 'cidr 141.95.0.0/16', 'cidr 145.239.0.0/16',
			'cidr 147.135.0.0/16', 'cidr 149.202.0.0/16', 'cidr 151.80.0.0/16',
			'cidr 164.132.0.0/16', 'cidr 176.31.0.0/16', 'cidr 178.32.0.0/15',
			'cidr 188.165.0.0/16', 'cidr 193.70.0.0/17', 'cidr 198.27.64.0/18',
			'cidr 198.50.128.0/17', 'cidr 213.186.32.0/19', 'cidr 213.251.128.0/18',
			'cidr 2001:41d0::/32', 'cidr 2607:5300::/32', 'asn AS16276']),

	-- Google Workspace MX aspmx.l.google.com and alt*.aspmx.l.google.com,
	-- https://support.google.com/a/answer/174125; Gmail's outbound and inbound
	-- ranges (_spf.google.com, https://support.google.com/a/answer/10026322);
	-- Google Cloud DNS ns-cloud-*.googledomains.com; AS15169 (https://stat.ripe.net/AS15169)
	('google', 'Google (Gmail, Google Workspace)',
		ARRAY['domain gmail.com', 'domain googlemail.com', 'host_suffix google.com',
			'host_suffix aspmx.l.google.com', 'host_suffix googlemail.com',
			'host_suffix googledomains.com', 'cidr 64.233.160.0/19', 'cidr 66.102.0.0/20',
			'cidr 66.249.80.0/20', 'cidr 72.14.192.0/18', 'cidr 74.125.0.0/16',
			'cidr 108.177.8.0/21', 'cidr 142.250.0.0/15', 'cidr 172.217.0.0/16',
			'cidr 173.194.0.0/16', 'cidr 209.85.128.0/17', 'cidr 216.58.192.0/19',
			'cidr 216.239.32.0/19', 'cidr 2404:6800::/32', 'cidr 2607:f8b0::/32',
			'cidr 2800:3f0::/32', 'cidr 2a00:1450::/32', 'asn AS15169']),

	-- Microsoft 365 MX <domain>.mail.protection.outlook.com, Exchange Online
	-- Protection ranges: https://learn.microsoft.com/en-us/microsoft-365/enterprise/urls-and-ip-address-ranges;
	-- Outlook.com consumer domains; Azure DNS ns*-NN.azure-dns.{com,net,org,info}
	-- (https://learn.microsoft.com/en-us/azure/dns/dns-delegate-domain-azure-dns).
	-- GoDaddy's and other partners' Microsoft 365 mailboxes have Microsoft's MX:
	-- they are Microsoft here.  AS8075 (https://stat.ripe.net/AS8075)
	('microsoft', 'Microsoft (Outlook.com, Microsoft 365)',
		ARRAY['domain hotmail.com', 'domain hotmail.fr', 'domain hotmail.co.uk',
			'domain hotmail.de', 'domain hotmail.be', 'domain outlook.com',
			'domain outlook.fr', 'domain live.com', 'domain live.fr', 'domain msn.com',
			'host_suffix mail.protection.outlook.com',
			'host_suffix olc.protection.outlook.com', 'host_suffix mail.eo.outlook.com',
			'host_suffix azure-dns.com', 'host_suffix azure-dns.net',
			'host_suffix azure-dns.org', 'host_suffix azure-dns.info', 'cidr 40.92.0.0/15',
			'cidr 40.107.0.0/16', 'cidr 52.100.0.0/14', 'cidr 104.47.0.0/17',
			'cidr 2a01:111:f400::/48', 'cidr 2a01:111:f403::/48', 'asn AS8075']),

	-- Orange: MX smtp-in.orange.fr, mx*.orange.fr; AS3215 announces 80.12.0.0/16
	-- and 193.252.0.0/16 (https://stat.ripe.net/AS3215)
	('orange', 'Orange',
		ARRAY['domain orange.fr', 'domain wanadoo.fr', 'domain voila.fr',
			'host_suffix orange.fr', 'host_suffix wanadoo.fr', 'cidr 80.12.0.0/16',
			'cidr 193.252.0.0/16']),

	-- Free: MX mx*.free.fr, proxad.net; 212.27.32.0/19 of AS12322 (https://stat.ripe.net/AS12322)
	('free', 'Free',
		ARRAY['domain free.fr', 'domain aliceadsl.fr', 'domain libertysurf.fr',
			'domain online.fr', 'host_suffix free.fr', 'host_suffix proxad.net',
			'cidr 212.27.32.0/19']),

	-- SFR: MX mx*.sfr.fr and the old Neuf/Cegetel/Club-Internet/Numericable domains
	('sfr', 'SFR',
		ARRAY['domain sfr.fr', 'domain neuf.fr', 'domain cegetel.net',
			'domain club-internet.fr', 'domain 9online.fr', 'domain numericable.fr',
			'domain noos.fr', 'host_suffix sfr.fr', 'host_suffix sfr.net',
			'host_suffix neuf.fr']),

	-- La Poste: MX *.laposte.net; 160.92.0.0/16 of AS35676 (https://stat.ripe.net/AS35676)
	('laposte', 'La Poste',
		ARRAY['domain laposte.net', 'host_suffix laposte.net', 'cidr 160.92.0.0/16']),

	-- Yahoo and AOL: MX mta*.am0.yahoodns.net (https://senders.yahooinc.com/),
	-- ranges of AS36647 and AS26101
	('yahoo', 'Yahoo (Yahoo Mail, AOL)',
		ARRAY['domain yahoo.com', 'domain yahoo.fr', 'domain yahoo.co.uk', 'domain ymail.com',
			'domain rocketmail.com', 'domain aol.com', 'domain aol.fr',
			'host_suffix yahoodns.net', 'host_suffix yahoo.com', 'host_suffix aol.com',
			'cidr 67.195.0.0/16', 'cidr 74.6.0.0/16', 'cidr 98.136.0.0/14']),

	-- iCloud Mail: MX mx0{1,2}.mail.icloud.com (https://support.apple.com/en-us/102525);
	-- 17.0.0.0/8 is Apple's (AS714)
	('apple', 'Apple (iCloud Mail)',
		ARRAY['domain icloud.com', 'domain me.com', 'domain mac.com',
			'host_suffix mail.icloud.com', 'host_suffix apple.com', 'cidr 17.0.0.0/8']),

	-- GMX and WEB.DE: MX mx*.gmx.net, mx-ha*.web.de (https://postmaster.gmx.net/)
	('gmx', 'GMX and WEB.DE (United Internet)',
		ARRAY['domain gmx.fr', 'domain gmx.de', 'domain gmx.net', 'domain gmx.com',
			'domain web.de', 'host_suffix gmx.net', 'host_suffix gmx.com',
			'host_suffix gmx.de', 'host_suffix web.de']),

	-- IONOS (1&1): MX mx*.ionos.*, mx*.kundenserver.de, NS ns*.ui-dns.*
	-- (https://www.ionos.com/help/email/); 212.227.0.0/16 and 217.160.0.0/16 of AS8560
	('ionos', 'IONOS (United Internet)',
		ARRAY['host_suffix ionos.fr', 'host_suffix ionos.de', 'host_suffix ionos.com',
			'host_suffix kundenserver.de', 'host_suffix 1and1.fr', 'host_suffix 1and1.com',
			'host_suffix ui-dns.com', 'host_suffix ui-dns.de', 'host_suffix ui-dns.org',
			'host_suffix ui-dns.biz', 'cidr 212.227.0.0/16', 'cidr 217.160.0.0/16',
			'asn AS8560']),

	-- Gandi: MX spool.mail.gandi.net, fb.mail.gandi.net; LiveDNS ns-*-{a,b,c}.gandi.net
	-- (https://docs.gandi.net/en/domain_names/common_operations/changing_nameservers.html); AS29169
	('gandi', 'Gandi',
		ARRAY['host_suffix gandi.net', 'cidr 217.70.176.0/20', 'cidr 2001:4b98::/32',
			'asn AS29169']),

	-- Zoho Mail: MX mx{,2,3}.zoho.{com,eu} (https://www.zoho.com/mail/help/adminconsole/configure-email-delivery.html)
	('zoho', 'Zoho Mail',
		ARRAY['domain zohomail.com', 'domain zohomail.eu', 'host_suffix zoho.com',
			'host_suffix zoho.eu', 'host_suffix zohomail.com']),

	-- Proton Mail: MX mail.protonmail.ch, mailsec.protonmail.ch
	-- (https://proton.me/support/custom-domain); 185.70.40.0/22 of AS62371
	('proton', 'Proton Mail',
		ARRAY['domain protonmail.com', 'domain protonmail.ch', 'domain proton.me',
			'domain pm.me', 'host_suffix protonmail.ch', 'host_suffix proton.me',
			'cidr 185.70.40.0/22']),

	-- Bouygues Telecom: MX of bbox.fr
	('bouygues', 'Bouygues Telecom',
		ARRAY['domain bbox.fr', 'host_suffix bouyguestelecom.fr', 'host_suffix bbox.fr']),

	-- Mailo: MX mx*.mailo.com
	('mailo', 'Mailo',
		ARRAY['domain mailo.com', 'domain net-c.com', 'host_suffix mailo.com']),

	-- Yandex 360 for business: MX mx.yandex.net, NS dns1.yandex.net
	-- (https://yandex.com/support/business/en/domains/mx-record); consumer domains of
	-- Yandex Mail; AS13238 (https://stat.ripe.net/AS13238)
	('yandex', 'Yandex (Yandex Mail, Yandex 360)',
		ARRAY['domain yandex.ru', 'domain yandex.com', 'domain ya.ru', 'domain yandex.by',
			'domain yandex.kz', 'domain yandex.ua', 'domain narod.ru',
			'host_suffix yandex.net', 'host_suffix yandex.ru', 'asn AS13238']),

	-- Mail.ru: MX mxs.mail.ru; VK WorkMail (biz.mail.ru) MX emx.mail.ru
	-- (https://help.mail.ru/biz/domain/mx); AS47764 (https://stat.ripe.net/AS47764)
	('mailru', 'Mail.ru (VK WorkMail)',
		ARRAY['domain mail.ru', 'domain inbox.ru', 'domain list.ru', 'domain bk.ru',
			'domain internet.ru', 'host_suffix mail.ru', 'asn AS47764']),

	-- QQ Mail MX mx{1,2,3}.qq.com; Tencent Exmail (enterprise) MX mxbiz{1,2}.qq.com
	-- (https://open.work.weixin.qq.com/help2/pc/18624); AS45090 and AS132203
	('tencent', 'Tencent (QQ Mail, Tencent Exmail)',
		ARRAY['domain qq.com', 'domain foxmail.com', 'domain vip.qq.com', 'host_suffix qq.com',
			'asn AS45090', 'asn AS132203']),

	-- NetEase: MX 163mx0{0..3}.mxmail.netease.com for 163.com, 126mx*.mxmail.netease.com;
	-- NetEase Qiye (enterprise) MX qiye163mx0{1,2}.mxmail.netease.com (https://qiye.163.com/help/client-profile.html)
	('netease', 'NetEase (163, 126, NetEase Qiye Mail)',
		ARRAY['domain 163.com', 'domain 126.com', 'domain yeah.net', 'domain 188.com',
			'domain vip.163.com', 'host_suffix netease.com', 'host_suffix 163.com',
			'host_suffix 126.net']),

	-- Naver Mail MX mx{1..3}.naver.com; Naver Works (business) MX *.worksmobile.com
	-- (https://guide.worksmobile.com/)
	('naver', 'Naver (Naver Mail, Naver Works)',
		ARRAY['domain naver.com', 'host_suffix naver.com', 'host_suffix worksmobile.com']),

	-- Fastmail: MX in{1,2}-smtp.messagingengine.com, NS ns{1,2}.messagingengine.com
	-- (https://www.fastmail.help/hc/en-us/articles/360058753394-Custom-DNS-records)
	('fastmail', 'Fastmail',
		ARRAY['domain fastmail.com', 'domain fastmail.fm', 'host_suffix messagingengine.com',
			'host_suffix fastmail.com']),

	-- Rackspace Email: MX mx{1,2}.emailsrvr.com
	-- (https://docs.rackspace.com/docs/set-up-dns-records-for-rackspace-email); Rackspace Cloud DNS
	-- NS dns{1,2}.stabletransit.com; AS27357 and AS33070 (https://bgp.he.net/AS27357)
	('rackspace', 'Rackspace (Rackspace Email, Cloud DNS)',
		ARRAY['host_suffix emailsrvr.com', 'host_suffix stabletransit.com',
			'host_suffix rackspace.com', 'asn AS27357', 'asn AS33070']),

	-- Titan (the mail of many hosters' plans): MX mx{1,2}.titan.email
	-- (https://support.titan.email/hc/en-us/articles/360038129173)
	('titan', 'Titan Email',
		ARRAY['host_suffix titan.email']),

	-- ==================================================================
	-- Hosters
	-- ==================================================================

	-- Infomaniak: MX mta-gw.infomaniak.ch, NS ns*.infomaniak.com
	-- (https://www.infomaniak.com/en/support/faq/2039); AS29222 (https://stat.ripe.net/AS29222)
	('infomaniak', 'Infomaniak',
		ARRAY['domain ik.me', 'domain ikmail.com', 'host_suffix infomaniak.ch',
			'host_suffix infomaniak.com', 'asn AS29222']),

	-- Hetzner: DNS Console NS hydrogen.ns.hetzner.com, oxygen.ns.hetzner.com,
	-- helium.ns.hetzner.de; Robot NS ns1.first-ns.de, robotns{2,3}.second-ns.{de,com}
	-- (https://docs.hetzner.com/dns-console/dns/general/authoritative-name-servers/);
	-- webhosting mail *.your-server.de; AS24940 (https://stat.ripe.net/AS24940)
	('hetzner', 'Hetzner',
		ARRAY['host_suffix hetzner.com', 'host_suffix hetzner.de', 'host_suffix first-ns.de',
			'host_suffix second-ns.de', 'host_suffix second-ns.com',
			'host_suffix your-server.de', 'asn AS24940']),

	-- STRATO: MX smtpin.rzone.de, NS docks*.rzone.de / shades*.rzone.de
	-- (https://www.strato.de/faq/domains/); AS6724 (https://stat.ripe.net/AS6724)
	('strato', 'STRATO',
		ARRAY['host_suffix rzone.de', 'host_suffix strato.de', 'asn AS6724']),

	-- Aruba.it: MX mx.aruba.it (and mxdb.aruba.it), NS dns.technorail.com,
	-- dns{2,3,4}.arubadns.{net,cz} (https://guide.hosting.aruba.it/); AS31034 (https://stat.ripe.net/AS31034)
	('aruba', 'Aruba',
		ARRAY['host_suffix aruba.it', 'host_suffix technorail.com', 'host_suffix arubadns.net',
			'host_suffix arubadns.cz', 'asn AS31034']),

	-- Scaleway (ex Online.net): NS ns{0,1}.dom.scw.cloud
	-- (https://www.scaleway.com/en/docs/network/domains-and-dns/), ns{0,1}.online.net;
	-- AS12876 (https://stat.ripe.net/AS12876)
	('scaleway', 'Scaleway',
		ARRAY['host_suffix scw.cloud', 'host_suffix online.net', 'host_suffix scaleway.com',
			'asn AS12876']),

	-- DigitalOcean: NS ns{1,2,3}.digitalocean.com
	-- (https://docs.digitalocean.com/products/networking/dns/getting-started/dns-registrars/);
	-- AS14061 (https://bgp.he.net/AS14061)
	('digitalocean', 'DigitalOcean',
		ARRAY['host_suffix digitalocean.com', 'asn AS14061']),

	-- Linode: NS ns{1..5}.linode.com
	-- (https://techdocs.akamai.com/cloud-computing/docs/dns-manager); AS63949 (https://bgp.he.net/AS63949)
	('linode', 'Linode (Akamai Connected Cloud)',
		ARRAY['host_suffix linode.com', 'asn AS63949']),

	-- Hostinger: NS ns{1,2}.dns-parking.com, mail MX mx{1,2}.hostinger.com
	-- (https://support.hostinger.com/en/articles/1583229); AS47583 (https://stat.ripe.net/AS47583)
	('hostinger', 'Hostinger',
		ARRAY['host_suffix hostinger.com', 'host_suffix dns-parking.com', 'asn AS47583']),

	-- o2switch: NS ns{1,2}.o2switch.net (https://faq.o2switch.fr/); AS50474 (https://stat.ripe.net/AS50474)
	('o2switch', 'o2switch',
		ARRAY['host_suffix o2switch.net', 'asn AS50474']),

	-- ==================================================================
	-- Security gateways (MX in front of a mailbox provider)
	-- ==================================================================

	-- Mimecast: MX <region>-smtp-inbound-{1,2}.mimecast.com, za-... .mimecast.co.za
	-- ("Mimecast Data Centers and URLs", https://mimecastsupport.zendesk.com/hc/en-us/articles/34000360548755);
	-- AS30031 (https://bgp.he.net/AS30031)
	('mimecast', 'Mimecast',
		ARRAY['gateway mimecast.com', 'gateway mimecast.co.za', 'asn AS30031']),

	-- Proofpoint on Demand: MX mx0{a,b}-<id>.pphosted.com; Proofpoint Essentials:
	-- MX mx{1,2}-<region>.ppe-hosted.com (https://help.proofpoint.com/Proofpoint_Essentials/Email_Security/Administrator_Topics/000_gettingstarted/020_connectiondetails);
	-- Proofpoint Total Protection MX *.pp-tp.com
	('proofpoint', 'Proofpoint',
		ARRAY['gateway pphosted.com', 'gateway ppe-hosted.com', 'gateway pp-tp.com']),

	-- Barracuda Email Security Service: MX d<id>.{a,b}.ess.barracudanetworks.com and
	-- regional ess.<cc>.barracudanetworks.com (https://campus.barracuda.com/product/emailgatewaydefense/doc/96023045/setting-up-your-mx-records/)
	('barracuda', 'Barracuda Email Protection',
		ARRAY['gateway barracudanetworks.com']),

	-- Cisco Secure Email Cloud Gateway: MX mx{1,2}.<id>.iphmx.com
	-- (https://www.cisco.com/c/en/us/support/security/cloud-email-security/series.html)
	('cisco', 'Cisco Secure Email (IronPort Cloud)',
		ARRAY['gateway iphmx.com']),

	-- Vade Cloud: MX of the protected domains point to the Vade Cloud platform under
	-- vadesecure.com (https://cloud.vadesecure.com/help/EN/reseller/EN/domain/diagnostic.html);
	-- Vade was merged into Hornetsecurity in 2024 (see hornetsecurity)
	('vade', 'Vade (Hornetsecurity)',
		ARRAY['gateway vadesecure.com']),

	-- Mailinblack: MX of protected domains under mailinblack.com
	-- (https://www.mailinblack.com/, administrator guide "Modifier les enregistrements MX")
	('mailinblack', 'Mailinblack',
		ARRAY['gateway mailinblack.com']),

	-- Altospam: MX mx{1,2,3}.altospam.com (https://www.altospam.com/en/documentation/)
	('altospam', 'Altospam',
		ARRAY['gateway altospam.com']),

	-- Trend Micro Email Security: MX <domain>.in.tmes.trendmicro.{com,eu},
	-- .tmes-anz.trendmicro.com, .tmes.trendmicro.co.jp; Hosted Email Security: *.in.hes.trendmicro.{com,eu}
	-- (https://docs.trendmicro.com/en-us/documentation/article/trend-micro-email-security-online-help-mx-records)
	('trendmicro', 'Trend Micro Email Security',
		ARRAY['gateway tmes.trendmicro.com', 'gateway tmes.trendmicro.eu',
			'gateway tmes-anz.trendmicro.com', 'gateway tmes.trendmicro.co.jp',
			'gateway hes.trendmicro.com', 'gateway hes.trendmicro.eu']),

	-- Sophos Email: MX mx-01-<region>.prod.hydra.sophos.com
	-- (https://docs.sophos.com/central/customer/help/en-us/ManageYourProducts/EmailSecurity/, "MX records")
	('sophos', 'Sophos Email',
		ARRAY['gateway hydra.sophos.com']),

	-- Hornetsecurity 365 Total Protection: MX mx0{1..4}.hornetsecurity.com, the older
	-- mx-gate*.antispameurope.com (https://cp.hornetsecurity.com/manual/en/partner/365_total_protection/c_basic_settings.html);
	-- inbound ranges 94.100.128.0/20, 185.140.204.0/22, 173.45.18.0/24, 83.246.65.0/24
	-- (https://support.hornetsecurity.com/hc/en-us/articles/45997388779537-Migration-for-Vade-Cloud-Customers)
	('hornetsecurity', 'Hornetsecurity',
		ARRAY['gateway hornetsecurity.com', 'gateway antispameurope.com',
			'cidr 94.100.128.0/20', 'cidr 185.140.204.0/22', 'cidr 173.45.18.0/24',
			'cidr 83.246.65.0/24']),

	-- Symantec Email Security.cloud: MX cluster<N>.<region>.messagelabs.com
	-- (https://techdocs.broadcom.com/us/en/symantec-security-software/email-security/email-security-cloud/1-0/about-email-security-cloud/ess-mx-records.html)
	('broadcom', 'Broadcom (Symantec Email Security.cloud)',
		ARRAY['gateway messagelabs.com']),

	-- ==================================================================
	-- DNS hosts
	-- ==================================================================

	-- GoDaddy: NS ns*.domaincontrol.com (https://www.godaddy.com/help/find-my-nameservers-664),
	-- Workspace Email MX mx{1,2}.secureserver.net / smtp.secureserver.net
	-- (https://www.godaddy.com/help/set-up-my-workspace-email-mx-records-7590).  Its
	-- Microsoft 365 mailboxes have Microsoft's MX: see microsoft.  AS26496
	('godaddy', 'GoDaddy',
		ARRAY['host_suffix domaincontrol.com', 'host_suffix secureserver.net', 'asn AS26496']),

	-- Namecheap: BasicDNS NS dns{1,2}.registrar-servers.com
	-- (https://www.namecheap.com/support/knowledgebase/article.aspx/9434/10/using-default-nameservers-vs-hosting-nameservers/),
	-- Private Email MX mx{1,2}.privateemail.com
	('namecheap', 'Namecheap',
		ARRAY['host_suffix registrar-servers.com', 'host_suffix privateemail.com',
			'host_suffix namecheaphosting.com']),

	-- Amazon WorkMail and SES inbound: MX inbound-smtp.<region>.amazonaws.com
	-- (https://docs.aws.amazon.com/workmail/latest/adminguide/add_domain.html); Route 53
	-- NS ns-N.awsdns-NN.{com,net,org,co.uk}, N/32 being NN, 00 to 63
	-- (https://docs.aws.amazon.com/Route53/latest/DeveloperGuide/SOA-NSrecords.html);
	-- AS16509 and AS14618 (https://ip-ranges.amazonaws.com/ip-ranges.json)
	('amazon', 'Amazon Web Services (WorkMail, SES)',
		ARRAY['host_suffix amazonaws.com', 'host_suffix awsapps.com', 'asn AS16509',
			'asn AS14618']
		|| ARRAY(SELECT 'host_suffix awsdns-' || pg_catalog.lpad(n::pg_catalog.text, 2, '0') || '.' || tld
				 FROM pg_catalog.generate_series(0, 63) n,
					  pg_catalog.unnest('{com,net,org,co.uk}'::pg_catalog.text[]) tld)),

	-- Cloudflare: NS <name>.ns.cloudflare.com, Email Routing MX route{1,2,3}.mx.cloudflare.net
	-- (https://developers.cloudflare.com/email-routing/setup/); ranges https://www.cloudflare.com/ips/;
	-- AS13335 (https://bgp.he.net/AS13335)
	('cloudflare', 'Cloudflare',
		ARRAY['host_suffix ns.cloudflare.com', 'host_suffix mx.cloudflare.net',
			'cidr 104.16.0.0/13', 'cidr 172.64.0.0/13', 'cidr 162.158.0.0/15',
			'cidr 173.245.48.0/20', 'cidr 188.114.96.0/20', 'cidr 2606:4700::/32',
			'asn AS13335']),

	-- NS1: NS dns{1..4}.p<NN>.nsone.net (https://help.ns1.com/hc/en-us/articles/360017511293)
	('ns1', 'NS1 (IBM NS1 Connect)',
		ARRAY['host_suffix nsone.net'])
),
-- providers first (a tombstone keeps a deleted one out) ...
new_provider AS (
	INSERT INTO @extschema@.provider (name, display_name, origin)
	SELECT b.name, b.display_name, 'catalogue'
	FROM block b
	WHERE NOT EXISTS (SELECT FROM @extschema@.provider_tombstone t
					  WHERE t.kind = 'provider' AND t.pattern = b.name)
	ON CONFLICT (name) DO NOTHING
	RETURNING name
)
-- ... then the rules of every provider that exists, inserted now or before
-- (by the catalogue or by the user), unless tombstoned or already there
INSERT INTO @extschema@.provider_rule (provider, kind, pattern, origin)
SELECT b.name, pg_catalog.split_part(r.rule, ' ', 1), pg_catalog.split_part(r.rule, ' ', 2), 'catalogue'
FROM block b, pg_catalog.unnest(b.rules) AS r (rule)
WHERE (b.name IN (SELECT n.name FROM new_provider n)
	   OR EXISTS (SELECT FROM @extschema@.provider p WHERE p.name = b.name))
  AND NOT EXISTS (SELECT FROM @extschema@.provider_tombstone t
				  WHERE t.kind = pg_catalog.split_part(r.rule, ' ', 1)
					AND t.pattern = pg_catalog.split_part(r.rule, ' ', 2))
ON CONFLICT (kind, pattern) DO NOTHING;
