#!/usr/bin/env python3
"""test/chart/check_png.py — look at a rendered incident chart, pixel by pixel.

    check_png.py chart.png x_start x_end

x_start and x_end are where the incident's window must be, in pixels, as
computed from the database (not read from the SVG).  Checks, on a row just
below the top of the plot (above every bar and band), that the columns
inside the window are shaded and those outside are white; and, along the
bottom of the plot, that the failure bars are drawn and that their
tallest column falls inside the window, with forgiven bounces overlaid
there.  Reads the PNG with zlib alone (rsvg-convert writes 8-bit RGBA).
"""
import struct
import sys
import zlib

PLOT_LEFT, PLOT_RIGHT, PLOT_TOP, PLOT_BOTTOM = 64, 784, 44, 284
SHADE = (246, 198, 198)
WHITE = (255, 255, 255)
FAILURES = (59, 91, 146)
FORGIVEN = (242, 142, 43)


def read_png(path):
    data = open(path, 'rb').read()
    assert data[:8] == b'\x89PNG\r\n\x1a\n', 'not a PNG'
    pos, idat = 8, b''
    while pos < len(data):
        length, kind = struct.unpack('>I4s', data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + length]
        if kind == b'IHDR':
            width, height, depth, ctype, _, _, interlace = struct.unpack('>IIBBBBB', body)
            assert depth == 8 and ctype in (2, 6) and interlace == 0, 'unexpected PNG format'
        elif kind == b'IDAT':
            idat += body
        pos += 12 + length
    bpp = 4 if ctype == 6 else 3
    raw = zlib.decompress(idat)
    stride = width * bpp
    rows, prev, i = [], bytearray(stride), 0
    for _ in range(height):
        f, line = raw[i], bytearray(raw[i + 1:i + 1 + stride])
        i += 1 + stride
        for x in range(stride):
            a = line[x - bpp] if x >= bpp else 0
            b = prev[x]
            c = prev[x - bpp] if x >= bpp else 0
            if f == 1:
                line[x] = (line[x] + a) & 255
            elif f == 2:
                line[x] = (line[x] + b) & 255
            elif f == 3:
                line[x] = (line[x] + (a + b) // 2) & 255
            elif f == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[x] = (line[x] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
        rows.append(line)
        prev = line

    def pixel(x, y):
        px = rows[y][x * bpp:x * bpp + 3]
        if bpp == 4:  # over white
            alpha = rows[y][x * bpp + 3] / 255
            return tuple(round(v * alpha + 255 * (1 - alpha)) for v in px)
        return tuple(px)
    return width, height, pixel


def near(c, ref, tol=12):
    return all(abs(a - b) <= tol for a, b in zip(c, ref))


def main():
    path, xa, xb = sys.argv[1], float(sys.argv[2]), float(sys.argv[3])
    width, height, pixel = read_png(path)
    errors = []
    assert (width, height) == (800, 360), f'unexpected size {width}x{height}'
    y = PLOT_TOP + 6
    shaded = [x for x in range(PLOT_LEFT + 1, PLOT_RIGHT) if near(pixel(x, y), SHADE)]
    if not shaded:
        errors.append('no shaded column at all')
    else:
        lo, hi = min(shaded), max(shaded)
        if abs(lo - xa) > 2 or abs(hi - xb) > 2:
            errors.append(f'shaded columns {lo}..{hi}, the window is {xa:.1f}..{xb:.1f}')
        gaps = [x for x in range(lo, hi + 1) if not near(pixel(x, y), SHADE)]
        if gaps:
            errors.append(f'{len(gaps)} unshaded columns inside the window, first at {gaps[0]}')
        stray = [x for x in range(PLOT_LEFT + 1, PLOT_RIGHT)
                 if (x < xa - 2 or x > xb + 2) and not near(pixel(x, y), WHITE)]
        if stray:
            errors.append(f'{len(stray)} columns outside the window are not white, first at {stray[0]}')
    # the tallest failure bar: the first row, from the top, with its colour
    height_of = {}
    for x in range(PLOT_LEFT + 1, PLOT_RIGHT):
        for yy in range(PLOT_TOP, PLOT_BOTTOM):
            if near(pixel(x, yy), FAILURES, 20):
                height_of[x] = PLOT_BOTTOM - yy
                break
    if not height_of:
        errors.append('no failure bar drawn')
    else:
        tallest = max(height_of, key=lambda x: (height_of[x], -x))
        if not xa - 2 <= tallest <= xb + 2:
            errors.append(f'the tallest failure bar is at x={tallest}, outside the window {xa:.1f}..{xb:.1f}')
    forgiven = [x for x in range(PLOT_LEFT + 1, PLOT_RIGHT) if near(pixel(x, PLOT_BOTTOM - 2), FORGIVEN, 20)]
    if not forgiven:
        errors.append('no forgiven bounce overlaid')
    elif min(forgiven) < xa - 2 or max(forgiven) > xb + 2:
        errors.append(f'forgiven bounces drawn at {min(forgiven)}..{max(forgiven)}, outside the window')
    for e in errors:
        print(f'{path}: {e}')
    if not errors:
        print(f'{path}: window shaded at {min(shaded)}..{max(shaded)} (expected {xa:.1f}..{xb:.1f}), '
              f'tallest failure bar at x={tallest}, forgiven bounces at {min(forgiven)}..{max(forgiven)}')
    return 1 if errors else 0


if __name__ == '__main__':
    sys.exit(main())
