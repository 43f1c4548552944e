#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
# A second reader of heapguard's report files, written from heapguard-report(5)
# alone (never from reader/): every record against the page's grammar and
# every relation the page states, totals re-added from the lines.  A file it
# refuses is a disagreement between the page and the writer.
"""usage: parse_from_man.py [--expect FACT]... [--warn-ok] FILE...
       parse_from_man.py --environment FILE

Prints one line of facts per file (what kind of report it is and what it
holds) and every disagreement with the page; exits 1 if there was any, or if
a FACT given with --expect is missing from every file.  --warn-ok lets the
relations the page allows a damaged heap to break be broken.  --environment
prints the variables that set a run up again as FILE says it was set up,
one VAR=VALUE a line."""

import datetime
import gzip
import re
import sys

MAX_LINE = 65536
U64 = (1 << 64) - 1
DEC = re.compile(r'(0|[1-9][0-9]*)\Z')
HEX = re.compile(r'0x[0-9a-f]+\Z')
FIGURES = ('system', 'free', 'in_use', 'tcache', 'fastbins', 'unsorted', 'small', 'large',
           'top', 'quarantine', 'free_chunks', 'largest_free', 'largest_chunk',
           'live_blocks', 'live_bytes', 'usable', 'requested', 'resident', 'trimmable')
FREE_KINDS = ('tcache', 'fastbins', 'unsorted', 'small', 'large', 'top', 'quarantine')
# Version 2: glibc's parameters after heapguard's options, in this order,
# with the MALLOC_* variables of the first eight.
GLIBC_PARAMS = ('check', 'top_pad', 'perturb', 'mmap_threshold', 'trim_threshold', 'mmap_max',
                'arena_max', 'arena_test', 'tcache_max', 'tcache_count', 'tcache_unsorted_limit',
                'mxfast', 'hugetlb')
MALLOC_VARS = ('MALLOC_CHECK_', 'MALLOC_TOP_PAD_', 'MALLOC_PERTURB_', 'MALLOC_MMAP_THRESHOLD_',
               'MALLOC_TRIM_THRESHOLD_', 'MALLOC_MMAP_MAX_', 'MALLOC_ARENA_MAX',
               'MALLOC_ARENA_TEST')
SOURCES_V1 = ('default', 'env', 'tunable')
SOURCES_V2 = SOURCES_V1 + ('malloc_env', 'mallopt', 'config')
MMAPPED_KEYS = ('chunks', 'system', 'live_bytes', 'usable', 'requested', 'resident')
# The figures of the totals that add the mmapped record's (key in the totals,
# key in the mmapped record).
MMAPPED_INTO_TOTALS = (('system', 'system'), ('in_use', 'system'), ('live_blocks', 'chunks'),
                       ('live_bytes', 'live_bytes'), ('usable', 'usable'),
                       ('requested', 'requested'), ('resident', 'resident'))


class Refused(Exception):
    pass


def num(text, what):
    if not DEC.match(text):
        raise Refused('%s: not an unsigned decimal number: %r' % (what, text))
    value = int(text)
    if value > U64:
        raise Refused('%s: does not fit in 64 bits: %s' % (what, text))
    return value


def hexnum(text, what):
    if not HEX.match(text):
        raise Refused('%s: not lowercase hex with 0x: %r' % (what, text))
    value = int(text, 16)
    if value > U64:
        raise Refused('%s: does not fit in 64 bits: %s' % (what, text))
    return value


def unescape(raw, what):
    """A text field as the page escapes it; returns the bytes it stands for."""
    out = bytearray()
    i = 0
    while i < len(raw):
        b = raw[i]
        if b < 0x20 or b == 0x7f:
            raise Refused('%s: unescaped control byte 0x%02x' % (what, b))
        if b != 0x5c:
            out.append(b)
            i += 1
            continue
        nxt = raw[i + 1:i + 2]
        if nxt == b'\\':
            out.append(0x5c)
            i += 2
        elif nxt in (b'n', b't', b'r'):
            out.append({b'n': 10, b't': 9, b'r': 13}[nxt])
            i += 2
        elif nxt == b'x':
            hh = raw[i + 2:i + 4]
            if len(hh) != 2 or not re.match(rb'[0-9a-f]{2}\Z', hh):
                raise Refused('%s: bad \\x escape' % what)
            value = int(hh, 16)
            if value == 0:
                raise Refused('%s: escaped NUL byte' % what)
            if not (value < 0x20 or value == 0x7f):
                raise Refused('%s: \\x escape of a byte written as it is' % what)
            if value in (9, 10, 13):
                raise Refused('%s: \\x escape of a byte with its own escape' % what)
            out.append(value)
            i += 4
        else:
            raise Refused('%s: unknown escape %r' % (what, raw[i:i + 2]))
    return bytes(out)


def power_of_two(value):
    return value > 0 and value & (value - 1) == 0


class Report:
    """The lines of one file and a cursor; records are matched in page order."""

    def __init__(self, path):
        self.path = path
        self.warnings = []
        self.facts = set()
        self.options = []  # (name, source, value)
        self.option_version = 1  # the option lines of heapguard-leaks 1 or 2
        try:
            with gzip.open(path, 'rb') as f:
                data = f.read()
        except (OSError, EOFError) as e:
            raise Refused('not a gzip file: %s' % e)
        if not data.endswith(b'\n'):
            raise Refused('the last line has no newline')
        self.lines = []
        for n, raw in enumerate(data[:-1].split(b'\n'), 1):
            if len(raw) + 1 > MAX_LINE:
                raise Refused('line %d: longer than %d bytes' % (n, MAX_LINE))
            self.lines.append(raw)
        self.pos = 0

    def where(self):
        return 'line %d' % self.pos

    def peek(self):
        """The record name of the next line, or None at the end."""
        if self.pos >= len(self.lines):
            return None
        return self.lines[self.pos].split(b' ', 1)[0].decode('latin-1')

    def take(self, name, nfields=None, text_last=False):
        """The next line if it is record NAME: its fields (bytes for a text
        last field, str otherwise)."""
        if self.peek() != name:
            got = self.peek()
            raise Refused('line %d: %s expected, found %s' %
                          (self.pos + 1, name, 'the end' if got is None else repr(got)))
        raw = self.lines[self.pos]
        self.pos += 1
        if text_last:
            head = raw.split(b' ', nfields - 1)
            if len(head) != nfields:
                raise Refused('%s: %s has %d fields, %d expected' %
                              (self.where(), name, len(head), nfields))
            text = unescape(head[-1], '%s: %s' % (self.where(), name))
            fields = [self.token(x) for x in head[:-1]]
            return fields[1:] + [text]
        fields = [self.token(x) for x in raw.split(b' ')]
        if nfields is not None and len(fields) != nfields:
            raise Refused('%s: %s has %d fields, %d expected' %
                          (self.where(), name, len(fields), nfields))
        return fields[1:]

    def token(self, raw):
        if raw == b'':
            raise Refused('%s: empty field (fields are separated by one space)' % self.where())
        if re.search(rb'[\x00-\x20\x7f]', raw):
            raise Refused('%s: control byte or space in a field' % self.where())
        return raw.decode('latin-1')

    def keyvalues(self, fields, what, required):
        """key=value fields: every key of REQUIRED once; unknown keys skipped."""
        values = {}
        for field in fields:
            key, eq, value = field.partition('=')
            if not eq or not key:
                raise Refused('%s: %s: %r is not key=value' % (self.where(), what, field))
            if key in values:
                raise Refused('%s: %s: %s= given twice' % (self.where(), what, key))
            values[key] = value
        for key in required:
            if key not in values:
                raise Refused('%s: %s: %s= missing' % (self.where(), what, key))
        return values

    def warn(self, name, text):
        """A relation the page lets a damaged heap break: the reader warns,
        and so does this; a test of a sound heap gives no --warn-ok."""
        self.warnings.append('%s: %s [%s]' % (self.where(), text, name))

    def require(self, ok, text):
        if not ok:
            raise Refused('%s: %s' % (self.where(), text))


def read_time(rep):
    seconds, iso = rep.take('time', 3)
    seconds = num(seconds, 'time')
    if not re.match(r'\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ\Z', iso):
        rep.require(False, 'time: %r is not YYYY-MM-DDThh:mm:ssZ' % iso)
    utc = datetime.datetime.fromtimestamp(seconds, datetime.timezone.utc)
    rep.require(utc.strftime('%Y-%m-%dT%H:%M:%SZ') == iso,
                'time: %s is not %d in UTC' % (iso, seconds))


def read_common_head(rep):
    """version, program, pid, ppid, time, level: the same in both formats."""
    (version,) = rep.take('version', 2)
    rep.take('program', 2, text_last=True)
    (pid,) = rep.take('pid', 2)
    num(pid, 'pid')
    (ppid,) = rep.take('ppid', 2)
    num(ppid, 'ppid')
    read_time(rep)
    (level,) = rep.take('level', 2)
    rep.require(level in ('fast', 'full'), 'level: %r is neither fast nor full' % level)
    rep.facts.add('level=' + level)
    return level


def read_args_options(rep):
    index = 0
    while rep.peek() == 'arg':
        i, _ = rep.take('arg', 3, text_last=True)
        rep.require(num(i, 'arg index') == index, 'arg: index %s, %d expected' % (i, index))
        index += 1
    names = set()
    params = []
    while rep.peek() == 'option':
        name, source, value = rep.take('option', 4, text_last=True)
        value = value.decode('latin-1')
        sources = SOURCES_V2 if rep.option_version >= 2 else SOURCES_V1
        rep.require(source in sources,
                    'option %s: source %r is not one of %s' % (name, source, ', '.join(sources)))
        rep.require(name not in names, 'option %s twice' % name)
        names.add(name)
        if name.startswith('glibc.malloc.'):
            rep.require(rep.option_version >= 2, 'option %s in a version 1 report' % name)
            rep.require(name[len('glibc.malloc.'):] in GLIBC_PARAMS,
                        'option %s: no such parameter' % name)
            num(value, 'option %s' % name)
            params.append(name[len('glibc.malloc.'):])
        else:
            rep.require(not params, 'option %s after glibc\'s parameters' % name)
        rep.options.append((name, source, value))
        rep.facts.add('option=' + name)
        rep.facts.add('option-source=' + source)
        if source != 'default':
            rep.facts.add('option-set=' + name)
    rep.require(params == sorted(params, key=GLIBC_PARAMS.index),
                'glibc\'s parameters out of the page\'s order')
    return names


def read_modules_stacks(rep, skip_unknown):
    modules = 0
    while True:
        name = rep.peek()
        if name == 'module':
            i, base, build_id, _ = rep.take('module', 5, text_last=True)
            rep.require(num(i, 'module index') == modules,
                        'module: index %s, %d expected' % (i, modules))
            hexnum(base, 'module base')
            rep.require(build_id == '-' or re.match(r'([0-9a-f]{2})+\Z', build_id),
                        'module: build id %r' % build_id)
            modules += 1
        elif skip_unknown(name):
            rep.pos += 1
        else:
            break
    stacks = {}
    while True:
        name = rep.peek()
        if name == 'stack':
            fields = rep.take('stack')
            rep.require(len(fields) >= 2, 'stack: no frames')
            sid = num(fields[0], 'stack id')
            rep.require(sid >= 1, 'stack: id 0')
            rep.require(sid not in stacks, 'stack %d twice' % sid)
            frames = fields[1:]
            rep.require(len(frames) <= 64, 'stack %d: %d frames' % (sid, len(frames)))
            for frame in frames:
                m = re.match(r'(\?|0|[1-9][0-9]*)\+(0x[0-9a-f]+)\Z', frame)
                rep.require(m, 'stack %d: bad frame %r' % (sid, frame))
                hexnum(m.group(2), 'frame')
                if m.group(1) != '?':
                    rep.require(int(m.group(1)) < modules,
                                'stack %d: frame in module %s, not defined' % (sid, m.group(1)))
            stacks[sid] = len(frames)
        elif skip_unknown(name):
            rep.pos += 1
        else:
            break
    return modules, stacks


def parse_leaks(rep):
    (version,) = rep.take('heapguard-leaks', 2)
    rep.require(version in ('1', '2', '3'),
                'heapguard-leaks %s: version 1, 2 or 3 expected' % version)
    rep.option_version = int(version)
    rep.facts.add('version=' + version)
    rep.facts.add('leaks-version=' + version)
    rep.facts.add('kind=leaks')
    level = read_common_head(rep)
    (status,) = rep.take('status', 2)
    if status != '-':
        num(status, 'status')
    rep.facts.add('status=' + status)
    read_args_options(rep)

    # From the first module line on, records of unknown types are skipped.
    known = ('module', 'stack', 'checkpoint', 'errors', 'error', 'site', 'totals', 'suppressed',
             'depot', 'scan', 'end')
    seen_module = [False]

    def skip_unknown(name):
        return name is not None and name not in known and seen_module[0]

    if rep.peek() == 'module':
        seen_module[0] = True
    modules, stacks = read_modules_stacks(rep, skip_unknown)

    # A leak checkpoint's report: its number (1 or more) and the time
    # since the one before; its status is "-".
    if rep.peek() == 'checkpoint':
        number, _ = [num(x, 'checkpoint') for x in rep.take('checkpoint', 3)]
        rep.require(number >= 1, 'checkpoint: number 0')
        rep.require(status == '-', 'checkpoint: status %s, not -' % status)
        rep.facts.add('checkpoint')
    used = set()
    # Version 3: the heap errors, "errors 0 0" when none.  A reader takes a
    # version 3 file without the record as errors 0 0.
    if int(version) >= 3 and rep.peek() == 'errors':
        total, listed = [num(x, 'errors') for x in rep.take('errors', 3)]
        rep.require(listed <= total, 'errors: %d listed of %d' % (listed, total))
        rep.require(listed <= 64, 'errors: %d listed, at most 64' % listed)
        rep.facts.add('errors' if total else 'errors=0')
        for _ in range(listed):
            kind, address, where, alloc, freed, message = rep.take('error', 7, text_last=True)
            rep.require(re.match(r'[a-z0-9]+(-[a-z0-9]+)*\Z', kind), 'error: kind %r' % kind)
            hexnum(address, 'error address')
            for sid in (where, alloc, freed):
                sid = num(sid, 'error stack')
                rep.require(sid == 0 or sid in stacks, 'error: stack %d not defined' % sid)
                used.add(sid)
            rep.require(message != b'', 'error: empty message')
            rep.facts.add('error=' + kind)
    rep.require(rep.peek() != 'error', 'error: not counted by an errors record before it')

    sums = {k: [0, 0] for k in ('lost', 'indirect', 'reachable')}
    suppressed_sum = [0, 0]
    order = ('lost', 'indirect', 'reachable')
    previous = None
    pairs = set()
    sites = 0
    while True:
        name = rep.peek()
        if name != 'site':
            if skip_unknown(name):
                rep.pos += 1
                continue
            break
        # Version 3: an optional last field suppressed=PATTERN, escaped.
        raw = rep.lines[rep.pos].split(b' ', 8)
        pattern = None
        if len(raw) == 9:
            rep.require(int(version) >= 3, 'site: 9 fields before version 3')
            rep.require(raw[8].startswith(b'suppressed='), 'site: 9th field %r' % raw[8][:40])
            pattern = unescape(raw[8][len(b'suppressed='):], 'site pattern')
            rep.require(pattern != b'', 'site: empty suppression pattern')
            rep.lines[rep.pos] = b' '.join(raw[:8])
        kind, stack, blocks, nbytes, lo, hi, threads = rep.take('site', 8)
        if pattern is not None:
            rep.facts.add('site-suppressed')
            if kind != 'reachable':
                suppressed_sum[0] += num(nbytes, 'site bytes')
                suppressed_sum[1] += num(blocks, 'site blocks')
        rep.require(kind in order, 'site: kind %r' % kind)
        stack = num(stack, 'site stack')
        blocks, nbytes = num(blocks, 'site blocks'), num(nbytes, 'site bytes')
        lo, hi = num(lo, 'site min'), num(hi, 'site max')
        rep.require(stack == 0 or stack in stacks, 'site: stack %d not defined' % stack)
        rep.require(level == 'full' or stack == 0, 'site: stack %d at level=fast' % stack)
        rep.require(blocks >= 1, 'site: 0 blocks')
        rep.require(lo <= hi, 'site: min %d > max %d' % (lo, hi))
        rep.require(blocks * lo <= nbytes <= blocks * hi,
                    'site: bytes %d not within blocks x min and blocks x max' % nbytes)
        m = re.match(r'((?:0|[1-9][0-9]*)(?:,(?:0|[1-9][0-9]*)){0,7})(,\+)?\Z', threads)
        rep.require(m, 'site: threads %r' % threads)
        tids = [int(t) for t in m.group(1).split(',')]
        rep.require(not m.group(2) or len(tids) == 8, 'site: ,+ after fewer than 8 threads')
        rep.require(len(set(tids)) == len(tids), 'site: a thread twice in %r' % threads)
        rep.require(level == 'full' or tids == [0], 'site: threads %r at level=fast' % threads)
        if max(tids) > 1 or m.group(2):
            rep.facts.add('site-thread>1')
        rep.require((kind, stack) not in pairs, 'site: (%s, %d) twice' % (kind, stack))
        pairs.add((kind, stack))
        key = (order.index(kind), -nbytes, stack)
        rep.require(previous is None or previous < key, 'site: out of order')
        previous = key
        sums[kind][0] += nbytes
        sums[kind][1] += blocks
        used.add(stack)
        sites += 1
        rep.facts.add('site=' + kind)
        if stack:
            rep.facts.add('site-stack')
        if hi >= 128 << 10:
            rep.facts.add('site>=128KiB')
    for sid in stacks:
        rep.require(sid in used, 'stack %d is used by no site' % sid)

    totals = [num(x, 'totals') for x in rep.take('totals', 7)]
    for i, kind in enumerate(order):
        rep.require(totals[2 * i] == sums[kind][0] and totals[2 * i + 1] == sums[kind][1],
                    'totals: %s %d bytes %d blocks, the sites add up to %d bytes %d blocks' %
                    (kind, totals[2 * i], totals[2 * i + 1], sums[kind][0], sums[kind][1]))
    if int(version) >= 3 and rep.peek() == 'suppressed':
        got = [num(x, 'suppressed') for x in rep.take('suppressed', 3)]
        rep.require(got == suppressed_sum,
                    'suppressed: %d bytes %d blocks, the suppressed lost and indirect sites '
                    'add up to %d and %d' % (got[0], got[1], suppressed_sum[0], suppressed_sum[1]))
    while skip_unknown(rep.peek()):
        rep.pos += 1
    if rep.peek() == 'depot':
        nstacks, nbytes, captures, hits = [num(x, 'depot') for x in rep.take('depot', 5)]
        # captures - hits is stacks only in a process that never ran a
        # second thread: the test that knows it checks that.
        rep.require(hits <= captures, 'depot: %d hits of %d captures' % (hits, captures))
        rep.facts.add('depot-exact' if nstacks == captures - hits else 'depot-near')
        rep.require(len(stacks) <= nstacks, 'depot: fewer stacks than the file has')
        rep.facts.add('depot')
    while skip_unknown(rep.peek()):
        rep.pos += 1
    if rep.peek() == 'scan':
        # root_bytes threads not_stopped microseconds [blocks heap_bytes]
        fields = [num(x, 'scan') for x in rep.take('scan')]
        if len(fields) not in (4, 6):
            raise Refused('%s: scan has %d fields, 5 or 7 expected' %
                          (rep.where(), len(fields) + 1))
        threads, not_stopped = fields[1], fields[2]
        rep.facts.add('scan')
        if threads > 1:
            rep.facts.add('scan-threads>1')
    while skip_unknown(rep.peek()):
        rep.pos += 1
    nsites, nstacks = [num(x, 'end') for x in rep.take('end', 3)]
    rep.require(nsites == sites and nstacks == len(stacks),
                'end: %d sites %d stacks, the file has %d and %d' %
                (nsites, nstacks, sites, len(stacks)))
    rep.require(rep.pos == len(rep.lines), 'lines after end')


def figures(rep, fields, what, extra_required=()):
    values = rep.keyvalues(fields, what, FIGURES + tuple(extra_required))
    out = {}
    for key in FIGURES + tuple(extra_required):
        out[key] = num(values[key], '%s %s' % (what, key))
    out['_keys'] = values
    return out


def check_figures(rep, f, what, level, arenas=1):
    """The relations of an arena's figures, or with arenas > 1 the totals'."""
    free = sum(f[k] for k in FREE_KINDS)
    rep.require(f['free'] == free, '%s: free %d, its kinds add up to %d' % (what, f['free'], free))
    in_use = f['system'] - f['free'] if f['system'] >= f['free'] else 0
    rep.require(f['in_use'] == in_use,
                '%s: in_use %d, system - free = %d' % (what, f['in_use'], in_use))
    relations = [
        ('top <= largest_chunk x arenas', f['top'] <= f['largest_chunk'] * arenas),
        ('largest_chunk <= largest_free', f['largest_chunk'] <= f['largest_free']),
        ('largest_free <= free', f['largest_free'] <= f['free']),
        ('free_chunks x largest_chunk >= free',
         f['free_chunks'] * f['largest_chunk'] >= f['free']),
        ('requested <= usable', f['requested'] <= f['usable']),
        ('usable <= live_bytes', f['usable'] <= f['live_bytes']),
        ('live_bytes <= in_use', f['live_bytes'] <= f['in_use']),
        ('trimmable <= resident', f['trimmable'] <= f['resident']),
    ]
    if level == 'fast':
        rep.require(f['requested'] == f['usable'],
                    '%s: requested=%d, not the usable size %d at level=fast' %
                    (what, f['requested'], f['usable']))
    for text, ok in relations:
        if not ok:
            detail = '%s: %s does not hold (%s)' % (what, text, ' '.join(
                '%s=%d' % (k, f[k]) for k in re.findall(r'[a-z_]+', text) if k in f))
            rep.warn('figures', detail)


def parse_frag(rep):
    (version,) = rep.take('heapguard-frag', 2)
    m = re.match(r'([12])(?:\.(0|[1-9][0-9]*))?\Z', version)
    rep.require(m, 'heapguard-frag %s: version 2, 2.minor, 1 or 1.minor expected' % version)
    rep.option_version = int(m.group(1))
    # 1.1 added usable= to the mmapped record; 2 has it.
    minor = 1 if rep.option_version >= 2 else int(m.group(2) or 0)
    rep.facts.add('version=' + version)
    rep.facts.add('kind=frag')
    level = read_common_head(rep)

    # Unknown record types anywhere after the first line are skipped.
    known = ('version', 'program', 'pid', 'ppid', 'time', 'level', 'trigger', 'status',
             'uptime_us', 'page_size', 'arg', 'option', 'module', 'stack', 'arena', 'mmapped',
             'guard_pages', 'totals', 'histogram', 'peak', 'peak_site', 'pin_top', 'pin_site', 'segment',
             'map', 'truncated', 'end')
    if rep.option_version >= 2 and int(m.group(2) or 0) >= 1:
        known += ('timeline', 'pages')

    def skip_unknown(name):
        return name is not None and name not in known

    def skip():
        while skip_unknown(rep.peek()):
            rep.pos += 1

    skip()
    (trigger,) = rep.take('trigger', 2)
    rep.facts.add('trigger=' + trigger)
    skip()
    if rep.peek() == 'status':
        rep.require(trigger == 'exit', 'status with trigger %s' % trigger)
        (status,) = rep.take('status', 2)
        if status != '-':
            num(status, 'status')
        rep.facts.add('frag-status=' + status)
    else:
        rep.require(trigger != 'exit', 'no status with trigger exit')
    skip()
    uptime = num(rep.take('uptime_us', 2)[0], 'uptime_us')
    skip()
    page = num(rep.take('page_size', 2)[0], 'page_size')
    rep.require(power_of_two(page), 'page_size %d is not a power of two' % page)
    skip()
    while rep.peek() in ('arg', 'option') or skip_unknown(rep.peek()):
        if skip_unknown(rep.peek()):
            rep.pos += 1
        else:
            read_args_options(rep)
    modules, stacks = read_modules_stacks(rep, skip_unknown)
    named = set()

    arenas = []
    while rep.peek() in ('arena',) or skip_unknown(rep.peek()):
        if skip_unknown(rep.peek()):
            rep.pos += 1
            continue
        fields = rep.take('arena')
        rep.require(len(fields) >= 2, 'arena: no fields')
        aid = num(fields[0], 'arena id')
        rep.require(aid == len(arenas), 'arena %d, %d expected' % (aid, len(arenas)))
        rep.require(fields[1] in ('kind=main', 'kind=thread'), 'arena %d: %r' % (aid, fields[1]))
        rep.require((fields[1] == 'kind=main') == (aid == 0),
                    'arena %d: %s (arena 0, and only it, is main)' % (aid, fields[1]))
        f = figures(rep, fields[1:], 'arena %d' % aid, ('segments',))
        check_figures(rep, f, 'arena %d' % aid, level)
        arenas.append(f)
    rep.require(arenas, 'no arena')
    rep.require(len(arenas) <= 65536, 'more than 65536 arenas')
    rep.facts.add('arenas>1' if len(arenas) > 1 else 'arenas=1')
    skip()

    fields = rep.take('mmapped')
    # usable= came with 1.1.
    values = rep.keyvalues(fields, 'mmapped', [k for k in MMAPPED_KEYS if k != 'usable' or minor])
    mm = {k: num(values[k], 'mmapped ' + k) for k in MMAPPED_KEYS if k in values}
    mm['quarantined'] = num(values.get('quarantined', '0'), 'mmapped quarantined')
    if 'usable' in mm:
        rep.require(mm['requested'] <= mm['usable'] <= mm['live_bytes'] <= mm['system'],
                    'mmapped: requested <= usable <= live_bytes <= system does not hold')
    if mm['chunks']:
        rep.facts.add('mmapped>0')
    skip()

    # guard_pages, from 2.1, right after mmapped.
    if rep.peek() == 'guard_pages':
        rep.require(rep.option_version >= 2 and version != '2', 'guard_pages before version 2.1')
        keys = ('slots', 'sampled', 'reused', 'live', 'protected', 'protected_now')
        values = rep.keyvalues(rep.take('guard_pages'), 'guard_pages', list(keys))
        g = {k: num(values[k], 'guard_pages ' + k) for k in keys if k in values}
        if len(g) == len(keys):
            rep.require(g['reused'] <= g['sampled'] and g['live'] <= g['slots'] and
                        g['live'] <= g['sampled'] and g['protected_now'] <= g['protected'],
                        'guard_pages: the counts do not add up')
            if g['sampled']:
                rep.facts.add('sampled>0')
        skip()

    totals = figures(rep, rep.take('totals'), 'totals')
    check_figures(rep, totals, 'totals', level, len(arenas))
    for key in FIGURES:
        if key in ('largest_free', 'largest_chunk'):
            expect = max(a[key] for a in arenas)
        else:
            expect = sum(a[key] for a in arenas)
            for tkey, mkey in MMAPPED_INTO_TOTALS:
                if tkey == key and mkey not in mm:
                    expect = None
                elif tkey == key:
                    expect += mm[mkey]
        if expect is None:  # 1.0: at least the arenas'
            rep.require(totals[key] >= sum(a[key] for a in arenas),
                        'totals: %s=%d, below the arenas\' sum' % (key, totals[key]))
            continue
        rep.require(totals[key] == expect,
                    'totals: %s=%d, re-added from the arenas and mmapped: %d' %
                    (key, totals[key], expect))
    skip()

    # Histograms: each arena's lines in turn, then "all", classes going up.
    hist = {}
    order_key = None
    while rep.peek() == 'histogram' or skip_unknown(rep.peek()):
        if skip_unknown(rep.peek()):
            rep.pos += 1
            continue
        arena, lo, hi, chunks, nbytes = rep.take('histogram', 6)
        lo, hi = num(lo, 'histogram lo'), num(hi, 'histogram hi')
        chunks, nbytes = num(chunks, 'histogram chunks'), num(nbytes, 'histogram bytes')
        rep.require(power_of_two(lo) and 32 <= lo <= 1 << 62 and hi == 2 * lo,
                    'histogram: class %d %d' % (lo, hi))
        rep.require(chunks >= 1, 'histogram: a class without chunks')
        rep.require(chunks * lo <= nbytes < chunks * hi,
                    'histogram: %d bytes do not fit %d chunks in [%d, %d)' %
                    (nbytes, chunks, lo, hi))
        if arena == 'all':
            akey = len(arenas)
        else:
            akey = num(arena, 'histogram arena')
            rep.require(akey < len(arenas), 'histogram: arena %d not defined' % akey)
        key = (akey, lo)
        rep.require(order_key is None or order_key < key, 'histogram: out of order')
        order_key = key
        hist[key] = (chunks, nbytes)
    for lo in set(k[1] for k in hist):
        added = [sum(hist.get((a, lo), (0, 0))[i] for a in range(len(arenas))) for i in (0, 1)]
        rep.require(list(hist.get((len(arenas), lo), (0, 0))) == added,
                    'histogram all %d: not the sum of the arenas\' lines' % lo)
    for a, f in enumerate(arenas):
        chunks = sum(v[0] for k, v in hist.items() if k[0] == a)
        nbytes = sum(v[1] for k, v in hist.items() if k[0] == a)
        want_chunks = f['free_chunks'] - (1 if f['top'] else 0)
        if chunks != want_chunks or nbytes != f['free'] - f['top']:
            text = ('arena %d: histogram %d chunks %d bytes, free chunks and bytes besides '
                    'the top %d and %d' % (a, chunks, nbytes, want_chunks, f['free'] - f['top']))
            rep.warn('histogram', text)
    skip()

    fields = rep.take('peak')
    peak_keys = ('system', 'system_us')
    full_keys = ('live', 'live_us', 'sites_live', 'sites_us')
    values = rep.keyvalues(fields, 'peak', peak_keys)
    peak = {k: num(values[k], 'peak ' + k) for k in peak_keys}
    if level == 'full':
        values = rep.keyvalues(fields, 'peak', peak_keys + full_keys)
        peak.update({k: num(values[k], 'peak ' + k) for k in full_keys})
        rep.require(peak['live_us'] <= uptime and peak['sites_us'] <= uptime,
                    'peak: a time after uptime_us')
        if peak['sites_live'] or peak['sites_us']:
            rep.require(peak['live'] - peak['live'] // 32 <= peak['sites_live'] <= peak['live'],
                        'peak: sites_live %d is not within a 32nd below live %d' %
                        (peak['sites_live'], peak['live']))
        else:
            rep.require(peak['live'] < 64 << 10, 'peak: no sites taken, yet live reached 64 KiB')
            rep.facts.add('peak-no-sites')
    else:
        for key in full_keys:
            rep.require(key not in values, 'peak: %s= at level=fast' % key)
    rep.require(peak['system_us'] <= uptime, 'peak: system_us after uptime_us')
    rep.require(peak['system'] >= totals['system'] - mm['system'],
                'peak: system %d below the arenas\' system %d now' %
                (peak['system'], totals['system'] - mm['system']))
    skip()

    previous = None
    seen = set()
    while rep.peek() == 'peak_site' or skip_unknown(rep.peek()):
        if skip_unknown(rep.peek()):
            rep.pos += 1
            continue
        stack, blocks, nbytes = [num(x, 'peak_site') for x in rep.take('peak_site', 4)]
        rep.require(level == 'full', 'peak_site at level=fast')
        rep.require(stack not in seen, 'peak_site: stack %d twice' % stack)
        seen.add(stack)
        rep.require(previous is None or nbytes <= previous, 'peak_site: out of order')
        previous = nbytes
        rep.require(stack == 0 or stack in stacks, 'peak_site: stack %d not defined' % stack)
        named.add(stack)
        rep.facts.add('peak_site')
        if stack == 0:
            rep.facts.add('stack0')
    rep.require(len(seen) <= 10, 'more than 10 peak_site lines')
    if seen:
        rep.require(peak['sites_live'] > 0, 'peak_site lines, and sites_live=0')
    skip()

    # 2.1: the timeline, by time, the last at uptime_us.
    samples = []
    while rep.peek() == 'timeline' or skip_unknown(rep.peek()):
        if skip_unknown(rep.peek()):
            rep.pos += 1
            continue
        t, system, in_use, free, quarantine, resident = rep.take('timeline', 7)
        t, system = num(t, 'timeline t_us'), num(system, 'timeline system')
        quarantine = num(quarantine, 'timeline quarantine')
        rep.require(resident == '-' or DEC.match(resident), 'timeline: resident %r' % resident)
        if level == 'full':
            in_use, free = num(in_use, 'timeline in_use'), num(free, 'timeline free')
            rep.require(in_use + free + quarantine == system,
                        'timeline: in_use + free + quarantine is not system')
        else:
            rep.require(in_use == '-' and free == '-' and quarantine == 0,
                        'timeline: in_use, free or quarantine known at level=fast')
        rep.require(not samples or samples[-1] <= t, 'timeline: out of time order')
        samples.append(t)
        rep.facts.add('timeline')
    rep.require(len(samples) <= 1000, 'more than 1000 timeline lines')
    if 'timeline' in known:
        rep.require(samples and samples[-1] == uptime, 'timeline: the last is not at uptime_us')
    skip()

    pin_tops = []
    while rep.peek() == 'pin_top' or skip_unknown(rep.peek()):
        if skip_unknown(rep.peek()):
            rep.pos += 1
            continue
        arena, seg, address, size, stack, below = rep.take('pin_top', 7)
        arena, seg = num(arena, 'pin_top arena'), num(seg, 'pin_top segment')
        address, size = hexnum(address, 'pin_top address'), num(size, 'pin_top size')
        stack, below = num(stack, 'pin_top stack'), num(below, 'pin_top free_below')
        rep.require(arena < len(arenas), 'pin_top: arena %d not defined' % arena)
        rep.require(stack == 0 or stack in stacks, 'pin_top: stack %d not defined' % stack)
        named.add(stack)
        pin_tops.append((rep.pos, arena, seg, address, size))
        rep.facts.add('pin_top')
    skip()

    previous = None
    seen = set()
    pinned_sum = 0
    while rep.peek() == 'pin_site' or skip_unknown(rep.peek()):
        if skip_unknown(rep.peek()):
            rep.pos += 1
            continue
        stack, blocks, nbytes, pinned, pinning, spans = [
            num(x, 'pin_site') for x in rep.take('pin_site', 7)]
        rep.require(stack not in seen, 'pin_site: stack %d twice' % stack)
        seen.add(stack)
        rep.require(stack == 0 or stack in stacks, 'pin_site: stack %d not defined' % stack)
        named.add(stack)
        rep.require(previous is None or pinned <= previous, 'pin_site: out of order')
        previous = pinned
        rep.require(1 <= pinning <= blocks, 'pin_site: %d pinning of %d blocks' % (pinning, blocks))
        rep.require(spans >= 1 and pinned >= spans * page,
                    'pin_site: %d spans pin %d bytes (a span is a page or more)' % (spans, pinned))
        rep.require(spans == pinning,
                    'pin_site: %d spans, %d pinning chunks (a chunk pins the span under it)' %
                    (spans, pinning))
        pinned_sum += pinned
        rep.facts.add('pin_site')
    rep.require(len(seen) <= 50, 'more than 50 pin_site lines')
    outside_tops = totals['free'] - totals['top']
    if pinned_sum > outside_tops:
        text = 'pinned bytes %d exceed the free bytes outside the tops %d' % (pinned_sum,
                                                                              outside_tops)
        rep.warn('pinned', text)
    skip()

    segments = {}
    cells_all = 0
    done_arenas = set()
    current = None
    while rep.peek() == 'segment' or skip_unknown(rep.peek()):
        if skip_unknown(rep.peek()):
            rep.pos += 1
            continue
        arena, index, lo, hi, top, cell = rep.take('segment', 7)
        arena, index = num(arena, 'segment arena'), num(index, 'segment index')
        lo, hi, top = hexnum(lo, 'segment lo'), hexnum(hi, 'segment hi'), hexnum(top, 'top')
        cell = num(cell, 'segment cell')
        rep.require(arena < len(arenas), 'segment: arena %d not defined' % arena)
        if current != arena:
            rep.require(arena not in done_arenas, 'segment: arena %d\'s segments apart' % arena)
            done_arenas.add(arena)
            current = arena
        rep.require((arena, index) not in segments and
                    index == sum(1 for k in segments if k[0] == arena),
                    'segment %d %d: index out of order' % (arena, index))
        if index:
            rep.require(segments[(arena, index - 1)][1] <= lo,
                        'segment %d %d: not in address order' % (arena, index))
        rep.require(lo < hi, 'segment %d %d: lo >= hi' % (arena, index))
        end = hi  # the first byte past the segment
        rep.require(top == 0 or lo <= top < end, 'segment %d %d: top outside' % (arena, index))
        rep.require(power_of_two(cell) and cell >= 16, 'segment: cell %d' % cell)
        cells = -(-(end - lo) // cell)  # the last one may be partial
        rep.require(cells <= 4096, 'segment %d %d: %d cells' % (arena, index, cells))
        rep.require(cell == 16 or -(-(end - lo) // (cell // 2)) > 4096,
                    'segment %d %d: cell %d is not the smallest that makes at most 4096 cells' %
                    (arena, index, cell))
        segments[(arena, index)] = (lo, end, top, cell)
        cells_all += cells
        fields = rep.take('map')
        rep.require(len(fields) >= 2 and fields[:2] == [str(arena), str(index)],
                    'map: not the map of segment %d %d' % (arena, index))
        total = 0
        for run in fields[2:]:
            m = re.match(r'([UFT1-9.])(?:\*([1-9][0-9]*))?\Z', run)
            rep.require(m, 'map: bad run %r' % run)
            total += int(m.group(2) or 1)
        if len(fields) > 2:
            rep.require(total == cells, 'map %d %d: runs add up to %d cells of %d' %
                        (arena, index, total, cells))
        else:
            rep.facts.add('map-unknown')
        rep.facts.add('segment')
    rep.require(cells_all <= 67108864, 'more than 67108864 map cells')
    for a, f in enumerate(arenas):
        n = sum(1 for k in segments if k[0] == a)
        rep.require(f['segments'] == n, 'arena %d: segments=%d, %d segment records' %
                    (a, f['segments'], n))
    above = {}
    for pos, arena, seg, address, size in pin_tops:
        rep.require((arena, seg) in segments, 'line %d: pin_top names no segment' % pos)
        # From the top down, at most 8 a segment.
        count, last = above.get((arena, seg), (0, None))
        rep.require(last is None or address + size <= last,
                    'line %d: pin_top not below the one before' % pos)
        rep.require(count < 8, 'line %d: a ninth pin_top in one segment' % pos)
        above[(arena, seg)] = (count + 1, address)
        lo, hi, _, _ = segments[(arena, seg)]
        rep.require(lo <= address and address + size <= hi,
                    'line %d: pin_top chunk outside its segment' % pos)
    skip()

    # 2.1: the page map, segment by segment in the segments' order.
    order = list(segments)
    covered, units_of = {}, {}
    unit = None
    while rep.peek() == 'pages' or skip_unknown(rep.peek()):
        if skip_unknown(rep.peek()):
            rep.pos += 1
            continue
        fields = rep.take('pages')
        rep.require(len(fields) >= 5, 'pages: %d fields' % len(fields))
        arena, index, u, first = [num(x, 'pages') for x in fields[:4]]
        rep.require(unit is None or u == unit, 'pages: unit %d after %s' % (u, unit))
        unit = u
        rep.require(power_of_two(u) and u >= page, 'pages: unit %d' % u)
        key = (arena, index)
        rep.require(key in segments, 'pages: segment %d %d not defined' % key)
        rep.require(all(order.index(k) < order.index(key) for k in covered if k != key),
                    'pages: segment %d %d out of order' % key)
        lo, end = segments[key][0], segments[key][1]
        units_of[key] = -(-end // u) - lo // u
        have = covered.get(key, 0)
        rep.require(first == have, 'pages: runs do not cover the units: from unit %d, %d due' %
                    (first, have))
        rep.require(len(fields) - 4 <= 512, 'pages: more than 512 runs')
        for run in fields[4:]:
            m = re.match(r'([UPFT.])(?:\*([1-9][0-9]*))?(?::(0|[1-9][0-9]*))?\Z', run)
            rep.require(m, 'pages: bad run %r' % run)
            if m.group(3):
                rep.require(m.group(1) in 'UP', 'pages: a %s run with a stack' % m.group(1))
                sid = int(m.group(3))
                rep.require(sid in stacks, 'pages: stack %d not defined' % sid)
                named.add(sid)
            have += int(m.group(2) or 1)
        rep.require(have <= units_of[key], 'pages %d %d: more than its %d units' %
                    (arena, index, units_of[key]))
        covered[key] = have
        rep.facts.add('pages')
    for key, have in covered.items():
        rep.require(have == units_of[key], 'pages %d %d: runs do not cover the units: %d of %d' %
                    (key[0], key[1], have, units_of[key]))
    rep.require(sum(units_of.values()) <= 262144, 'more than 262144 page units')
    if 'pages' in known:
        system = sum(f['system'] for f in arenas)
        want = page
        while system // want > 131072:
            want *= 2
        rep.require(unit in (None, want), 'pages: unit %s, %d expected' % (unit, want))
    skip()

    truncated = False
    if rep.peek() == 'truncated':
        (flag,) = rep.take('truncated', 2)
        rep.require(flag in ('0', '1'), 'truncated %r' % flag)
        truncated = flag == '1'
    if not truncated:
        rep.require('map-unknown' not in rep.facts, 'a map without runs in a complete report')
        if 'pages' in known:
            rep.require(all(k in covered for k in segments),
                        'a segment without pages in a complete report')
    skip()
    n_arenas, n_segments, n_stacks = [num(x, 'end') for x in rep.take('end', 4)]
    rep.require((n_arenas, n_segments, n_stacks) == (len(arenas), len(segments), len(stacks)),
                'end: %d %d %d, the file has %d %d %d' %
                (n_arenas, n_segments, n_stacks, len(arenas), len(segments), len(stacks)))
    for sid in stacks:
        rep.require(sid in named, 'stack %d is named by no later record' % sid)
    skip()
    rep.require(rep.pos == len(rep.lines), 'lines after end')


def check_file(path):
    rep = Report(path)
    first = rep.peek()
    if first == 'heapguard-leaks':
        parse_leaks(rep)
    elif first == 'heapguard-frag':
        parse_frag(rep)
    else:
        raise Refused('line 1: not a heapguard report (%r)' % first)
    return rep


def environment(rep):
    """The variables that set a run up as the report says it was (the
    page's sources: env, malloc_env, tunable)."""
    heapguard, tunables, out = [], [], []
    for name, source, value in rep.options:
        if name.startswith('glibc.malloc.'):
            param = name[len('glibc.malloc.'):]
            if source == 'malloc_env':
                out.append('%s=%s' % (MALLOC_VARS[GLIBC_PARAMS.index(param)], value))
            elif source == 'tunable':
                tunables.append('%s=%s' % (name, value))
        elif source == 'env':
            heapguard.append('%s=%s' % (name, value))
    if heapguard:
        out.append('HEAPGUARD_OPTIONS=' + ':'.join(heapguard))
    if tunables:
        out.append('GLIBC_TUNABLES=' + ':'.join(tunables))
    return out


def main(argv):
    if argv[:1] == ['--environment']:
        for line in environment(check_file(argv[1])):
            print(line)
        return 0
    expect = []
    warn_ok = False
    files = []
    args = iter(argv)
    for arg in args:
        if arg == '--expect':
            expect.append(next(args))
        elif arg == '--warn-ok':
            warn_ok = True
        else:
            files.append(arg)
    if not files:
        sys.stderr.write(__doc__)
        return 2
    failed = False
    facts = set()
    for path in files:
        try:
            rep = check_file(path)
        except Refused as e:
            print('%s: REFUSED: %s' % (path, e))
            failed = True
            continue
        for w in rep.warnings:
            print('%s: warning: %s' % (path, w))
        if rep.warnings and not warn_ok:
            failed = True
        facts |= rep.facts
        print('%s: ok: %s' % (path, ' '.join(sorted(rep.facts))))
    for fact in expect:
        if fact not in facts:
            print('expected fact missing: %s' % fact)
            failed = True
    return 1 if failed else 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
