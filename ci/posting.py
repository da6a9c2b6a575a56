#!/usr/bin/python3
"""The rules a series must meet to be posted, in one place.

The repository keeps the series without anybody's identity: no From:
header, no Signed-off-by: of ours (a backport keeps its upstream author
and chain). Whoever posts it signs it (DCO): ci/series.sh stamps each
patch with their git identity, and check-series lints the result.

  posting.py identity            print "NAME\\tEMAIL" of whoever runs this:
                                 GIT_AUTHOR_NAME/GIT_AUTHOR_EMAIL, else
                                 git config user.name/user.email; exit 2
                                 when there is none
  posting.py stamp FILE...       add From: (where absent) and the poster's
                                 Signed-off-by: to each patch, in place
  posting.py cover COVER PATCH...  add the cover letter's shortlog, from
                                 the posted patches
  posting.py strip FILE...       drop our identity from exported patches
                                 (what the repository keeps)
  posting.py notes OLD NEW       copy OLD's version notes (below ---) to NEW
  posting.py lint DIR            the posted series' faults, one a line;
                                 exit 1 if any
  posting.py lint-repo DIR...    the repository's patches carry no identity
  posting.py backport FILE       exit 0 when FILE is a stable-style backport
                                 (its "commit <sha> upstream." line), else 1
"""
import email.header
import email.utils
import os
import re
import subprocess
import sys

# Trailer keys the kernel's process documents (submitting-patches.rst);
# a line starting with one of them must parse as a trailer.
TRAILER_KEYS = ("Signed-off-by", "Co-developed-by", "Reported-by", "Suggested-by",
                "Reviewed-by", "Acked-by", "Tested-by", "Fixes", "Cc", "Link",
                "Closes")
# What a version note starts with; it belongs below the "---" line.
VERSION_NOTE = re.compile(r"^(Changes (from|since)\b|v[0-9]+:|Changes in v[0-9]+)", re.I)
# A stable backport names its upstream commit on a line of its own.
BACKPORT = re.compile(r"^commit [0-9a-f]{40} upstream\.$", re.M)
# git shortlog's author line, and the first line of a diffstat.
SHORTLOG = re.compile(r"^\S.* \(\d+\):$")
DIFFSTAT = re.compile(r"^ \S+\s+\|\s+\d+ ")
NUMBER_WORDS = ("zero one two three four five six seven eight nine ten eleven "
                "twelve thirteen fourteen fifteen").split()


class Usage(Exception):
    pass


def identity():
    name = os.environ.get("GIT_AUTHOR_NAME") or git_config("user.name")
    mail = os.environ.get("GIT_AUTHOR_EMAIL") or git_config("user.email")
    if not name or not mail:
        raise Usage("no git identity: set git config user.name and user.email "
                    "(or GIT_AUTHOR_NAME/GIT_AUTHOR_EMAIL); the series is signed by "
                    "whoever posts it")
    return name, mail


def git_config(key):
    r = subprocess.run(["git", "config", "--get", key], capture_output=True, text=True)
    return r.stdout.strip()


class Patch:
    """A git format-patch file: mbox line, headers, message, then the rest
    from the "---" line on (the cover letter has no such line)."""

    def __init__(self, text):
        lines = text.split("\n")
        head_end = lines.index("")
        self.mbox = lines[0] if lines[0].startswith("From ") and not lines[0].startswith("From:") else None
        start = 1 if self.mbox else 0
        self.headers = []  # [name, value-lines]
        for line in lines[start:head_end]:
            if line[:1] in (" ", "\t") and self.headers:
                self.headers[-1][1].append(line)
            else:
                k, _, _ = line.partition(":")
                self.headers.append([k, [line]])
        rest = lines[head_end + 1:]
        if "---" in rest:
            cut = rest.index("---")
            self.message = "\n".join(rest[:cut]) + "\n"
            self.tail = "\n".join(rest[cut:])
        else:  # a cover letter: all of it is message
            self.message, self.tail = "\n".join(rest), ""

    def header(self, key):
        for k, v in self.headers:
            if k.lower() == key.lower():
                return " ".join(s.strip() for s in v)[len(key) + 1:].strip()
        return None

    def set_header(self, key, value, after=None):
        line = f"{key}: {value}"
        for h in self.headers:
            if h[0].lower() == key.lower():
                h[1] = [line]
                return
        pos = 0
        if after:
            pos = next((i + 1 for i, h in enumerate(self.headers) if h[0] == after), 0)
        self.headers.insert(pos, [key, [line]])

    def drop_header(self, key):
        self.headers = [h for h in self.headers if h[0].lower() != key.lower()]

    def text(self):
        out = ([self.mbox] if self.mbox else []) + [l for _, v in self.headers for l in v]
        body = self.message + self.tail
        return "\n".join(out) + "\n\n" + body

    def author(self):
        value = self.header("From")
        if value is None:
            return None
        decoded = str(email.header.make_header(email.header.decode_header(value)))
        return email.utils.parseaddr(decoded)

    def trailers(self):
        """(key, value) pairs as git reads them."""
        r = subprocess.run(["git", "interpret-trailers", "--parse"], input=self.message,
                           capture_output=True, text=True, check=True)
        return [tuple(s.strip() for s in l.split(":", 1)) for l in r.stdout.splitlines() if ":" in l]


def read(path):
    with open(path, encoding="utf-8") as f:
        return Patch(f.read())


def write(path, patch):
    with open(path, "w", encoding="utf-8") as f:
        f.write(patch.text())


def encoded(name, mail):
    try:
        name.encode("ascii")
        return f"{name} <{mail}>"
    except UnicodeEncodeError:
        return f"{email.header.Header(name, 'utf-8').encode()} <{mail}>"


def stamp(patch, name, mail, cover=False):
    if patch.header("From") is None:
        patch.set_header("From", encoded(name, mail))
    if cover:
        return
    r = subprocess.run(["git", "interpret-trailers", "--if-exists", "addIfDifferent",
                        "--trailer", f"Signed-off-by: {name} <{mail}>"],
                       input=patch.message, capture_output=True, text=True, check=True)
    patch.message = r.stdout.rstrip("\n") + "\n"


def strip(patch):
    """Our own patches lose From: and their author's Signed-off-by:; a
    backport keeps both (they are upstream's)."""
    if BACKPORT.search(patch.message):
        return
    who = patch.author()
    patch.drop_header("From")
    if who:
        own = re.compile(rf"^Signed-off-by: .*<{re.escape(who[1])}>\s*$", re.M)
        if own.search(patch.message):
            # A trailer block left empty leaves no blank line behind.
            patch.message = own.sub("", patch.message).rstrip("\n") + "\n"


def version_notes(patch):
    """The lines between --- and the diffstat."""
    lines = patch.tail.split("\n")[1:]
    end = next((i for i, l in enumerate(lines) if DIFFSTAT.match(l)), 0)
    return lines[:end]


def copy_notes(old, new):
    notes = version_notes(old)
    if notes and not version_notes(new) and new.tail.startswith("---"):
        rest = new.tail.split("\n")
        new.tail = "\n".join(rest[:1] + notes + rest[1:])


def subject(patch):
    return patch.header("Subject") or ""


def add_shortlog(cover, patches):
    """git shortlog's block in the cover letter: each author, their count,
    their subjects; made from the posted patches so it cannot disagree."""
    by = {}
    for p in patches:
        who = (p.author() or ("?", ""))[0]
        by.setdefault(who, []).append(re.sub(r"^\[PATCH[^]]*\]\s*", "", subject(p)))
    block = []
    for who, subs in by.items():
        block.append(f"{who} ({len(subs)}):")
        block += [f"      {s}" for s in subs]
        block.append("")
    lines = cover.message.split("\n")
    if any(SHORTLOG.match(l) for l in lines):
        raise Usage("cover letter already has a shortlog (the repository's keep none)")
    # Where git format-patch puts it: before the diffstat.
    start = next((i for i, l in enumerate(lines) if DIFFSTAT.match(l)), None)
    if start is None:
        raise Usage("cover letter has no diffstat to put the shortlog before")
    cover.message = "\n".join(lines[:start] + block + lines[start:])


def lint(paths):
    """Faults of a posted series, given its files in order."""
    faults = []
    files = [p for p in paths if os.path.basename(p).startswith("0000-")]
    patches = [p for p in paths if not os.path.basename(p).startswith("0000-")]
    total = len(patches)
    for i, path in enumerate(patches, 1):
        name = os.path.basename(path)
        p = read(path)
        if not subject(p).startswith(f"[PATCH {i}/{total}]"):
            faults.append(f"{name}: subject '{subject(p)[:40]}' is not [PATCH {i}/{total}]")
        who = p.author()
        if not who or not who[1]:
            faults.append(f"{name}: no From: author")
            continue
        trailers = p.trailers()
        sobs = [v for k, v in trailers if k.lower() == "signed-off-by"]
        if not any(email.utils.parseaddr(v)[1] == who[1] for v in sobs):
            faults.append(f"{name}: no Signed-off-by: matching its author {who[0]} <{who[1]}>")
        parsed = {f"{k}: {v}" for k, v in trailers}
        for line in p.message.splitlines():
            key = line.split(":", 1)[0]
            if key in TRAILER_KEYS and ":" in line and line.strip() not in parsed:
                faults.append(f"{name}: '{line[:60]}' does not parse as a trailer "
                              "(git interpret-trailers --parse)")
            if VERSION_NOTE.match(line):
                faults.append(f"{name}: version note '{line[:40]}' above the --- line")
    for path in files:
        name = os.path.basename(path)
        c = read(path)
        if not subject(c).startswith(f"[PATCH 0/{total}]"):
            faults.append(f"{name}: subject '{subject(c)[:40]}' is not [PATCH 0/{total}]")
        words = "|".join(NUMBER_WORDS)
        for m in re.finditer(rf"\b({words}|\d+)\s+(?:\w+\s+)?patches\b", c.message, re.I):
            n = m.group(1).lower()
            n = NUMBER_WORDS.index(n) if n in NUMBER_WORDS else int(n)
            if n != total:
                faults.append(f"{name}: says '{' '.join(m.group(0).split())}', the series has {total}")
        counts = [int(m.group(1)) for m in re.finditer(r"^\S.* \((\d+)\):$", c.message, re.M)]
        if sum(counts) != total:
            faults.append(f"{name}: shortlog counts {sum(counts)} patches, the series has {total}")
    return faults


REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
# A version note below --- names the series it was ported from.
PORTED_FROM = re.compile(r"^Changes (?:from|since) the (\S+) version", re.M)


def ported_from(d):
    """The kernel a series directory's version notes must name: the
    newest kernel of ci/kernels.json older than the directory's own.
    None where the directory is no kernel's, or its kernel is the oldest.
    Notes are copied forward with the patches (posting.py notes), so a
    7.2 patch can still say "from the 6.1 version" about 6.12's change."""
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    import kernels as kernel_table
    table = kernel_table.load()
    own = next((k for k, row in table.items()
                if os.path.realpath(os.path.join(REPO, row["patches"])) == os.path.realpath(d)), None)
    if own is None:
        return None, None
    key = kernel_table.version_key
    older = sorted((k for k in table if key(k) < key(own)), key=key)
    return own, (older[-1] if older else None)


def lint_repo(dirs, ports=None):
    """ports: {dir: (kernel, the kernel it is ported from)} for copies
    outside the repository; the repository's own are found in the table."""
    faults = []
    for d in dirs:
        own, older = (ports or {}).get(d) or ported_from(d)
        for f in sorted(os.listdir(d)):
            if not f.endswith(".patch"):
                continue
            p = read(os.path.join(d, f))
            if own is not None:
                for m in PORTED_FROM.finditer(p.tail):
                    if m.group(1) != older:
                        faults.append(f"{d}/{f}: its note says 'Changes from the {m.group(1)} version'; "
                                      f"the {own} series is ported from the "
                                      f"{older + ' series' if older else 'none: it is the oldest'}")
            if BACKPORT.search(p.message):
                continue
            if p.header("From") is not None:
                faults.append(f"{d}/{f}: carries an author (From: {p.header('From')}); "
                              "the poster's identity is stamped by ci/series.sh")
            if re.search(r"^Signed-off-by:", p.message, re.M):
                faults.append(f"{d}/{f}: carries a Signed-off-by:; the poster signs it")
            if any(SHORTLOG.match(l) for l in p.message.splitlines()):
                faults.append(f"{d}/{f}: carries a shortlog, which names its author; "
                              "ci/series.sh writes it")
    return faults


def main(argv):
    if not argv:
        raise Usage(__doc__)
    verb, args = argv[0], argv[1:]
    if verb == "identity":
        print("\t".join(identity()))
    elif verb == "stamp":
        name, mail = identity()
        for path in args:
            p = read(path)
            stamp(p, name, mail, cover=os.path.basename(path).startswith("0000-"))
            write(path, p)
    elif verb == "cover":
        cover = read(args[0])
        add_shortlog(cover, [read(a) for a in args[1:]])
        write(args[0], cover)
    elif verb == "notes":
        new = read(args[1])
        copy_notes(read(args[0]), new)
        write(args[1], new)
    elif verb == "strip":
        for path in args:
            p = read(path)
            strip(p)
            write(path, p)
    elif verb == "backport":
        if len(args) != 1:
            raise Usage("posting.py backport FILE")
        return 0 if BACKPORT.search(read(args[0]).message) else 1
    elif verb in ("lint", "lint-repo"):
        if verb == "lint":
            if len(args) != 1 or not os.path.isdir(args[0]):
                raise Usage("posting.py lint DIR")
            paths = sorted(os.path.join(args[0], f) for f in os.listdir(args[0])
                           if re.match(r"^\d{4}-.*\.patch$", f))
            faults = lint(paths)
        else:
            faults = lint_repo(args)
        for f in faults:
            print(f)
        return 1 if faults else 0
    else:
        raise Usage(f"unknown verb {verb}\n{__doc__}")
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main(sys.argv[1:]))
    except Usage as e:
        print(f"posting.py: {e}", file=sys.stderr)
        sys.exit(2)
