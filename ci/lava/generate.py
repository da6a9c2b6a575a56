#!/usr/bin/python3
"""Generate a LAVA job definition for the suite from the templates here.

    generate.py qemu  --plan quick|default|soak [--soak-hours H] --kernel-url URL
                      --initrd-url URL [common options] -o JOB.yaml
    generate.py board --plan ... --device-type TYPE --deploy ramdisk|nfs
                      --kernel-url URL (--initrd-url URL | --nfsrootfs-url URL)
                      [--dtb-url URL] [--kernel-args ARGS] [common options] -o JOB.yaml
  common: --kernel K (default: ci/kernels.json's) --variant base --seed N --movable SIZE
          --tests PROGRAMS (as run.sh's; default: the plan's, all) --stress SECONDS

The plan's settings (cycles, pressure, per-program limit, stress or soak)
come from ci/plans.json, as run.sh's do; the test definition is the same
for both kinds. Nothing generated is committed: the templates are the
source. The output is parsed back as YAML before it is written, so a
broken template fails here (exit 1). Usage errors exit 2.
"""
import argparse
import math
import sys
from pathlib import Path

import jinja2
import yaml

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
import kernels  # noqa: E402  (ci/kernels.py)
from plan import load_plans, programs  # noqa: E402  (ci/plan.py)
import protocol  # noqa: E402  (ci/protocol.py: the markers the test definition prints)
import guest  # noqa: E402  (ci/guest.py: the kernel command line)

def plan_settings(plan, soak_hours, tests=None, stress_s=None):
    """The bh_ settings of the job's test definition: the plan's, with
    run.sh's --tests and --stress where given (make check's LAVA job runs
    one program: it checks the job, not the plan). Raises ValueError for a
    program that does not exist, as run.sh refuses it."""
    p = load_plans()[plan]
    settings = {"tests": tests or "all", "cycles": p["cycles"], "pressure_pct": p["pressure_pct"],
                "program_timeout_s": p["program_timeout_s"], "stress": "",
                "stress_boot_blocks": p["stress_boot_blocks"]}
    if plan == "soak":
        settings["tests"] = "none"
        settings["stress"] = f"soak:{soak_hours}"
        test_minutes = math.ceil(soak_hours * 60) + 30
    else:
        stress_s = p["stress_s"] if stress_s is None else stress_s
        settings["stress"] = str(stress_s) if stress_s else ""
        # Every program may use its whole limit; stress has its own.
        n = len(programs(settings["tests"], ""))
        test_minutes = math.ceil((n * p["program_timeout_s"] + stress_s) / 60) + 10
    return settings, test_minutes


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("kind", choices=["qemu", "board"])
    ap.add_argument("--plan", choices=["quick", "default", "soak"], required=True)
    ap.add_argument("--soak-hours", type=float, default=0)
    ap.add_argument("--kernel", default=kernels.default(kernels.load()), choices=list(kernels.load()))
    ap.add_argument("--variant", default="base")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--tests", help="the programs, as run.sh --tests (default: the plan's, all)")
    ap.add_argument("--stress", type=int, help="seconds of stress instead of the plan's (0: none)")
    ap.add_argument("--movable", default="3G", help="movablecore= for the target (default: half of the QEMU device dictionary's -m 6G)")
    ap.add_argument("--kernel-url", required=True)
    ap.add_argument("--initrd-url")
    ap.add_argument("--disk-url", help="qemu: the ext4 data disk (qemu-images/host/make-disk.sh)")
    ap.add_argument("--swap-url", help="qemu: the swap disk (qemu-images/host/make-disk.sh --swap)")
    ap.add_argument("--nfsrootfs-url")
    ap.add_argument("--dtb-url")
    ap.add_argument("--device-type")
    ap.add_argument("--deploy", choices=["ramdisk", "nfs"], default="ramdisk")
    ap.add_argument("--kernel-args", default="", help="the board's own kernel arguments")
    ap.add_argument("--template-dir", default=str(HERE / "templates"))
    ap.add_argument("-o", "--output", required=True)
    a = ap.parse_args()
    if a.plan == "soak" and a.soak_hours <= 0:
        ap.error("--plan soak needs --soak-hours H")
    if a.kind == "qemu" and not a.initrd_url:
        ap.error("a qemu job needs --initrd-url")
    if a.kind == "board":
        if not a.device_type:
            ap.error("a board job needs --device-type")
        if a.deploy == "nfs" and not a.nfsrootfs_url:
            ap.error("--deploy nfs needs --nfsrootfs-url")
        if a.deploy == "ramdisk" and not a.initrd_url:
            ap.error("--deploy ramdisk needs --initrd-url")

    if a.plan == "soak" and (a.tests or a.stress is not None):
        ap.error("--plan soak runs stress alone: no --tests or --stress")
    try:
        settings, test_minutes = plan_settings(a.plan, a.soak_hours, a.tests, a.stress)
    except ValueError as e:
        ap.error(str(e))
    # The one builder of a guest's command line (ci/guest.py), as run.sh's
    # and lend.py's. A board's console is its device's, in --kernel-args.
    words = ["bh_mode=shell"]
    if a.kind == "board" and a.deploy == "nfs":
        words.append("init=/init")      # the image's /init, not the root's /sbin/init
    kernel_args = guest.cmdline("arm64", a.movable, words + a.kernel_args.split(),
                                console=a.kind == "qemu")

    env = jinja2.Environment(loader=jinja2.FileSystemLoader(a.template_dir),
                             undefined=jinja2.StrictUndefined, keep_trailing_newline=True,
                             trim_blocks=True, lstrip_blocks=True)
    try:
        testdef = env.get_template("testdef.yaml.j2").render(
            plan=a.plan, settings=settings, seed=a.seed, markers=protocol.MARKERS)
        job = env.get_template(f"job-{a.kind}.yaml.j2").render(
            plan=a.plan, kernel=a.kernel, variant=a.variant, kernel_args=kernel_args,
            kernel_url=a.kernel_url, initrd_url=a.initrd_url, disk_url=a.disk_url, swap_url=a.swap_url, nfsrootfs_url=a.nfsrootfs_url,
            dtb_url=a.dtb_url, device_type=a.device_type, deploy=a.deploy,
            job_minutes=test_minutes + 20, test_minutes=test_minutes, testdef=testdef)
        parsed = yaml.safe_load(job)
        if not isinstance(parsed, dict) or "actions" not in parsed:
            raise ValueError("the rendered job has no actions")
        yaml.safe_load(testdef)
    except (jinja2.TemplateError, yaml.YAMLError, ValueError) as e:
        print(f"generate.py: the templates give no valid job: {e}", file=sys.stderr)
        return 1
    Path(a.output).write_text(job)
    return 0


if __name__ == "__main__":
    sys.exit(main())
