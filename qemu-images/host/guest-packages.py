#!/usr/bin/python3
"""Stage the guest userland from Debian's own packages.

Downloads busybox-static, stress-ng, fio and numactl for the guest's
architecture (arm64, or amd64 for the x86-64 reference runs) with
`apt-get download`, follows the library dependencies until every ELF
NEEDED entry of the wanted binaries resolves, and copies the binaries plus
exactly their shared-library closure (and the dynamic loader) into a
staging directory that build-initramfs.sh packs.

Usage: guest-packages.py CACHE_DIR STAGE_DIR [ARCH]     ARCH: arm64 (default) or amd64
"""
import contextlib
import hashlib
import os
import shutil
import subprocess
import sys
import threading
import time

TOOLS = {
    # package: binaries wanted from it (path inside the package)
    "busybox-static": ["bin/busybox"],
    "stress-ng": ["usr/bin/stress-ng"],
    "fio": ["usr/bin/fio"],
    "numactl": ["usr/bin/numactl"],
    # The kselftest runner calls /usr/bin/timeout --foreground, which
    # busybox does not implement.
    "coreutils": ["usr/bin/timeout"],
    # The kexec test loads the next kernel with kexec_load() as users do.
    "kexec-tools": ["sbin/kexec"],
}
# Per Debian architecture: its multiarch directory and where its dynamic
# loader lives (the file, and the path PT_INTERP names).
ARCHES = {
    "arm64": {"triplet": "aarch64-linux-gnu",
              "loader": ("lib/aarch64-linux-gnu/ld-linux-aarch64.so.1", "lib/ld-linux-aarch64.so.1")},
    "amd64": {"triplet": "x86_64-linux-gnu",
              "loader": ("lib/x86_64-linux-gnu/ld-linux-x86-64.so.2", "lib64/ld-linux-x86-64.so.2")},
}
ARCH = "arm64"


def lib_dirs():
    """Where libraries are looked up. ceph libraries find libceph-common
    through their RUNPATH, kept as is."""
    t = ARCHES[ARCH]["triplet"]
    return [f"lib/{t}", f"usr/lib/{t}", f"usr/lib/{t}/ceph", "lib", "usr/lib"]
# Interpreter libraries are dependencies of fio's helper scripts, never of
# an ELF binary.
SKIP_WORDS = ("perl", "python")


def log(msg):
    print(f"[guest-packages] {msg}", file=sys.stderr, flush=True)


def run(cmd, **kw):
    return subprocess.run(cmd, check=True, text=True, capture_output=True, **kw).stdout


def library_closure_packages():
    """The tools plus every library package they depend on, recursively.

    One recursive query instead of a walk: apt answers it in about two
    seconds. Packages that are not libraries (python3, perl, dpkg...) are
    dropped; the ELF closure below proves nothing needed was dropped.
    """
    out = run(["apt-cache", "depends", "--recurse", "--no-recommends", "--no-suggests",
               "--no-conflicts", "--no-breaks", "--no-replaces", "--no-enhances",
               "-o", "APT::Cache::ShowOnlyFirstOr=true"] + [f"{t}:{ARCH}" for t in TOOLS])
    names = []
    for line in out.splitlines():
        if line.startswith((" ", "<")):
            continue
        name = line.strip().split(":")[0]
        if any(w in name for w in SKIP_WORDS):
            continue
        if name in TOOLS or name.startswith("lib") or name == "zlib1g":
            names.append(name)
    return sorted(set(names))


def stage_key(packages, deb_dir):
    """What a stage is made from: the .deb files (their names carry the
    versions), the architecture and this script."""
    h = hashlib.sha256(ARCH.encode())
    with open(__file__, "rb") as f:
        h.update(f.read())
    for p in packages:
        h.update(os.path.basename(deb_path(p, deb_dir)).encode() + b"\0")
    return h.hexdigest()


def deb_path(pkg, deb_dir):
    for f in sorted(os.listdir(deb_dir)):
        if f.startswith(pkg + "_") and (f.endswith(f"_{ARCH}.deb") or f.endswith("_all.deb")):
            return os.path.join(deb_dir, f)
    return None


def needed(path):
    try:
        out = run(["readelf", "-d", path])
    except subprocess.CalledProcessError:
        return []
    libs = []
    for line in out.splitlines():
        if "(NEEDED)" in line:
            libs.append(line.split("[", 1)[1].split("]", 1)[0])
    return libs


def find_lib(root, soname):
    for d in lib_dirs():
        p = os.path.join(root, d, soname)
        if os.path.exists(p):
            return p
    return None


@contextlib.contextmanager
def progress_every(seconds, what):
    """Log what() with the elapsed time every @seconds while the body runs:
    a long download must not look like a hang."""
    done, start = threading.Event(), time.monotonic()

    def tick():
        while not done.wait(seconds):
            log(f"{what()}, {time.monotonic() - start:.0f} s")
    t = threading.Thread(target=tick, daemon=True)
    t.start()
    try:
        yield
    finally:
        done.set()
        t.join()


def arch_all(debs):
    """The packages of @debs that are Architecture: all, which have no
    :ARCH name; apt-cache answers from the lists apt-get update fetched."""
    out = subprocess.run(["apt-cache", "show", "--no-all-versions"] + list(debs),
                         capture_output=True, text=True).stdout
    found, pkg = set(), None
    for line in out.splitlines():
        if line.startswith("Package: "):
            pkg = line.split(": ", 1)[1].strip()
        elif line.startswith("Architecture: ") and line.split(": ", 1)[1].strip() == "all":
            found.add(pkg)
    return found


def download(debs, deb_dir):
    """apt-get download the packages for ARCH, into @deb_dir, in one call:
    an Architecture: all package by its plain name, which is why one
    unsuffixed name used to fail the whole call and send every package
    through a download of its own (four minutes instead of one)."""
    plain = arch_all(debs)
    try:
        run(["apt-get", "download", "-q"] + [p if p in plain else f"{p}:{ARCH}" for p in debs],
            cwd=deb_dir)
        return
    except subprocess.CalledProcessError:
        log("one apt-get download of every package failed: fetching them one by one")
    for p in debs:
        if deb_path(p, deb_dir):
            continue
        try:
            run(["apt-get", "download", "-q", f"{p}:{ARCH}"], cwd=deb_dir)
        except subprocess.CalledProcessError:
            run(["apt-get", "download", "-q", p], cwd=deb_dir)


def main():
    global ARCH
    if len(sys.argv) not in (3, 4) or (len(sys.argv) == 4 and sys.argv[3] not in ARCHES):
        print(__doc__, file=sys.stderr)
        return 2
    cache, stage = sys.argv[1], sys.argv[2]
    if len(sys.argv) == 4:
        ARCH = sys.argv[3]
    deb_dir = os.path.join(cache, "debs")
    root = os.path.join(cache, "guest-root" if ARCH == "arm64" else f"guest-root-{ARCH}")
    os.makedirs(deb_dir, exist_ok=True)

    packages = library_closure_packages()
    missing_debs = [p for p in packages if not deb_path(p, deb_dir)]
    if missing_debs:
        log(f"downloading {len(missing_debs)} {ARCH} packages")
        with progress_every(30, lambda: f"{sum(1 for p in missing_debs if deb_path(p, deb_dir))}"
                                        f" of {len(missing_debs)} packages fetched"):
            download(missing_debs, deb_dir)
    # A stage made from the same .debs by this same script is reused: the
    # extraction and the closure walk cost about 10 s, paid by every run
    # of make check's twenty guest scenarios otherwise.
    key = stage_key(packages, deb_dir)
    # Beside the stage, not in it: the stage is copied whole into the image.
    stamp = stage.rstrip("/") + ".staged-from"
    with contextlib.suppress(OSError):
        with open(stamp) as f:
            if f.read().strip() == key:
                log(f"staged from the same {len(packages)} packages (cached)")
                return 0
    with contextlib.suppress(FileNotFoundError):
        os.unlink(stamp)
    if os.path.exists(root):
        shutil.rmtree(root)
    os.makedirs(root)
    for p in packages:
        run(["dpkg-deb", "-x", deb_path(p, deb_dir), root])

    missing = set()
    closure = set()     # files to copy, links included
    processed = set()   # files whose own NEEDED entries were read
    todo = [os.path.join(root, b) for bins in TOOLS.values() for b in bins]
    while todo:
        path = todo.pop()
        if path in processed:
            continue
        processed.add(path)
        closure.add(path)
        for so in needed(path):
            lib = find_lib(root, so)
            if lib:
                closure.add(lib)
                todo.append(os.path.realpath(lib))
            else:
                missing.add(so)
    if missing:
        log(f"error: unresolved libraries: {' '.join(sorted(missing))}")
        return 1

    if os.path.exists(stage):
        shutil.rmtree(stage)
    for path in sorted(closure):
        rel = os.path.relpath(path, root)
        dst = os.path.join(stage, rel)
        os.makedirs(os.path.dirname(dst), exist_ok=True)
        if os.path.islink(path):
            os.symlink(os.readlink(path), dst)
        else:
            shutil.copy2(path, dst)
    # The loader named in PT_INTERP.
    loader, interp = ARCHES[ARCH]["loader"]
    dst_ld = os.path.join(stage, loader)
    if not os.path.exists(dst_ld):
        os.makedirs(os.path.dirname(dst_ld), exist_ok=True)
        shutil.copy2(os.path.realpath(os.path.join(root, loader)), dst_ld)
    if not os.path.lexists(os.path.join(stage, interp)):
        os.makedirs(os.path.dirname(os.path.join(stage, interp)), exist_ok=True)
        os.symlink(os.path.relpath(loader, os.path.dirname(interp)), os.path.join(stage, interp))
    with open(stamp, "w") as f:
        f.write(key + "\n")
    log(f"staged {len(closure)} files from {len(packages)} packages")
    return 0


if __name__ == "__main__":
    sys.exit(main())
