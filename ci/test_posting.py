#!/usr/bin/python3
"""Tests of the posting rules (ci/posting.py) on the series as ci/series.sh
posts it: the real series must lint clean, and a copy broken in each way
a posted series goes wrong must fail, naming the fault: a cover letter
with the wrong count, a trailer that no longer parses, a version note
above the --- line, a patch without a Signed-off-by: of its author. And
ci/series.sh without a git identity is a setup error (exit 2).

  test_posting.py [KERNEL]     (default: ci/kernels.json's default)
Prints TAP; exits 1 if any case fails.
"""
import glob
import importlib.util
import os
import re
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import tap  # noqa: E402  (ci/tap.py: the host tests' TAP writer)

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
spec = importlib.util.spec_from_file_location("posting", os.path.join(HERE, "posting.py"))
posting = importlib.util.module_from_spec(spec)
spec.loader.exec_module(posting)

# Who signs in these tests: not the person running them.
TEST_IDENTITY = {"GIT_AUTHOR_NAME": "Posting Test", "GIT_AUTHOR_EMAIL": "posting.test@example.org"}


def post(kernel, out, env_extra=None, drop_identity=False):
    env = dict(os.environ)
    if drop_identity:
        env.pop("GIT_AUTHOR_NAME", None)
        env.pop("GIT_AUTHOR_EMAIL", None)
        env["HOME"] = tempfile.mkdtemp()
        env["GIT_CONFIG_NOSYSTEM"] = "1"
        env.setdefault("BOOTMEM_CACHE", os.path.expanduser("~/.cache/bootmem-hotplug"))
    else:
        env.update(TEST_IDENTITY)
    env.update(env_extra or {})
    return subprocess.run([os.path.join(HERE, "series.sh"), out, kernel], env=env,
                          capture_output=True, text=True)


def files(d):
    return sorted(glob.glob(os.path.join(d, "[0-9][0-9][0-9][0-9]-*.patch")))


def edit(path, fn):
    with open(path, encoding="utf-8") as f:
        text = f.read()
    new = fn(text)
    assert new != text, f"edit of {os.path.basename(path)} changed nothing"
    with open(path, "w", encoding="utf-8") as f:
        f.write(new)


class Series:
    def __init__(self, kernel):
        self.root = tempfile.mkdtemp(prefix="posting-")
        self.good = os.path.join(self.root, "good")
        self.made = post(kernel, self.good)

    def broken(self, name, fn, which):
        """A copy with fn applied to the file whose name matches which."""
        d = os.path.join(self.root, name)
        shutil.copytree(self.good, d)
        target = next(p for p in files(d) if re.search(which, os.path.basename(p)))
        edit(target, fn)
        return posting.lint(files(d))


def expect(faults, pattern):
    hit = [f for f in faults if re.search(pattern, f)]
    return bool(hit), "; ".join(hit or faults or ["no fault reported"])[:200]


def cases(kernel):
    s = Series(kernel)
    total = len(files(s.good)) - 1

    def posted():
        return s.made.returncode == 0 and total >= 2, s.made.stderr.strip()[-200:] or f"{total} patches"

    def lints_clean():
        faults = posting.lint(files(s.good))
        return not faults, "; ".join(faults) or f"{total} patches and the cover letter clean"

    def signed_by_the_poster():
        bad = [os.path.basename(p) for p in files(s.good)[1:]
               if f"Signed-off-by: {TEST_IDENTITY['GIT_AUTHOR_NAME']} <{TEST_IDENTITY['GIT_AUTHOR_EMAIL']}>"
               not in open(p, encoding="utf-8").read()]
        return not bad, f"unsigned: {bad}" if bad else "every patch signed by the poster"

    def cover_subject_count():
        return expect(s.broken("subject", lambda t: t.replace(f"[PATCH 0/{total}]", f"[PATCH 0/{total - 1}]", 1),
                               r"^0000-"), r"is not \[PATCH 0/")

    def cover_text_count():
        words = posting.NUMBER_WORDS
        return expect(s.broken("text", lambda t: t.replace("\n\n", f"\n\nThis series has {words[total - 1]} patches.\n\n", 1),
                               r"^0000-"), rf"says '{words[total - 1]} patches', the series has {total}")

    def cover_shortlog_count():
        return expect(s.broken("shortlog", lambda t: re.sub(r"^(\S.*) \(\d+\):$", rf"\1 ({total + 1}):", t, count=1,
                                                            flags=re.M), r"^0000-"), r"shortlog counts")

    def version_note_between_trailers():
        # The 6.12 series' defect: a version note between Fixes:/Cc: and the
        # Signed-off-by:, so that git reads only the last as a trailer.
        def note(t):
            return re.sub(r"^(Signed-off-by: )", r"Changes from the 6.1 version: none.\n\n\1", t, count=1, flags=re.M)
        faults = s.broken("note", lambda t: re.sub(r"^(Signed-off-by: )", "Fixes: 123456789abc (\"x\")\n\n\\1", t,
                                                   count=1, flags=re.M), r"^0002-")
        ok1, d1 = expect(faults, r"'Fixes: 123456789abc.*does not parse")
        ok2, d2 = expect(s.broken("note2", note, r"^0003-"), r"version note 'Changes from")
        return ok1 and ok2, f"{d1} | {d2}"

    def missing_signoff():
        return expect(s.broken("nosob", lambda t: re.sub(r"^Signed-off-by: .*\n", "", t, flags=re.M), r"^0004-"),
                      r"0004-.*no Signed-off-by: matching")

    def signoff_not_the_author():
        return expect(s.broken("other", lambda t: re.sub(r"^From: .*$", "From: Someone Else <else@example.org>", t,
                                                         count=1, flags=re.M), r"^0005-"),
                      r"0005-.*no Signed-off-by: matching its author Someone Else")

    def no_identity_is_exit_2():
        r = post(kernel, os.path.join(s.root, "anon"), drop_identity=True)
        return r.returncode == 2 and "no git identity" in r.stderr, f"exit {r.returncode}: {r.stderr.strip()[-120:]}"

    def repository_keeps_no_identity():
        dirs = sorted(glob.glob(os.path.join(REPO, "fixtures/kernel/patches/*")))
        faults = posting.lint_repo(dirs)
        if faults:
            return False, "; ".join(faults)[:200]
        d = os.path.join(s.root, "repo")
        shutil.copytree(dirs[0], d)
        # A backport keeps its upstream author: plant one in a patch of ours.
        own = next(p for p in files(d)[1:] if posting.main(["backport", p]) != 0)
        edit(own, lambda t: t.replace("\nDate:", "\nFrom: A Placeholder <a@example.org>\nDate:", 1))
        return expect(posting.lint_repo([d]), r"carries an author")

    def version_note_names_the_series_ported_from():
        # Notes travel with the patches (posting.py notes), so a port can
        # keep notes that describe its predecessor's port. A copy of a
        # noted series, said to be ported from another (made-up) kernel,
        # must be told so for every note, until the notes name that kernel.
        import kernels as kernel_table
        table = kernel_table.load()
        made_up = "0.0"
        for k, row in table.items():
            d = os.path.join(s.root, f"ported-{k}")
            shutil.copytree(os.path.join(REPO, row["patches"]), d)
            noted = [p for p in files(d)[1:] if posting.PORTED_FROM.search(posting.read(p).tail)]
            if noted:
                break
        else:
            return False, f"no series of {list(table)} has a version note to test with"
        ports = {d: (k, made_up)}
        faults = posting.lint_repo([d], ports)
        ok1, d1 = expect(faults, rf"its note says 'Changes from the [0-9.]+ version'; "
                                 rf"the {re.escape(k)} series is ported from the {re.escape(made_up)} series")
        ok1 = ok1 and len(faults) >= len(noted)
        for p in noted:
            edit(p, lambda t: posting.PORTED_FROM.sub(f"Changes from the {made_up} version", t))
        left = posting.lint_repo([d], ports)
        return ok1 and not left, (f"{len(faults)} faults for {len(noted)} noted patches: {d1} | "
                                  f"notes renamed to {made_up}: {left[0][:120] if left else 'clean'}")

    def backport_is_recognised():
        # ci/posting.py backport decides which patches keep their upstream
        # author and skip checkpatch's GIT_COMMIT_ID (common.sh): the
        # 6.1/6.12 backport of eea5706cb042 is one, our own patches are not.
        every = sorted(glob.glob(os.path.join(REPO, "fixtures/kernel/patches/*/0[0-9][0-9][1-9]-*.patch")))
        is_bp = {p: posting.main(["backport", p]) == 0 for p in every}
        bps = [p for p in every if is_bp[p]]
        if not bps or len(bps) == len(every):
            return False, f"{len(bps)} of {len(every)} repository patches count as backports"
        d = os.path.join(s.root, "bp")
        os.makedirs(d, exist_ok=True)
        shutil.copy(bps[0], d)
        copy = files(d)[0]
        edit(copy, lambda t: re.sub(r"^commit ([0-9a-f]{40}) upstream\.$", r"Upstream: \1", t, count=1, flags=re.M))
        if posting.main(["backport", copy]) == 0:
            return False, "a patch without the 'commit <sha> upstream.' line still counts as a backport"
        return True, f"{len(bps)} backport(s) of {len(every)} patches: {os.path.basename(bps[0])}"

    return [posted, lints_clean, signed_by_the_poster, cover_subject_count, cover_text_count,
            cover_shortlog_count, version_note_between_trailers, missing_signoff,
            signoff_not_the_author, no_identity_is_exit_2, repository_keeps_no_identity,
            version_note_names_the_series_ported_from, backport_is_recognised], s


def main(argv):
    kernel = argv[0] if argv else subprocess.run(
        ["/usr/bin/python3", os.path.join(HERE, "kernels.py"), "default"],
        capture_output=True, text=True, check=True).stdout.strip()
    todo, s = cases(kernel)
    try:
        return tap.run("posting", todo)
    finally:
        shutil.rmtree(s.root, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
