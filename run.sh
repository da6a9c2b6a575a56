#!/usr/bin/env bash
# bootmem-hotplug: build the patched arm64 kernel and the test image, boot
# it in QEMU, run the suite, and report. Run ./run.sh --help.
# Parsed whole before it runs, so editing this file during a long run
# cannot change what the run executes.
{
set -uo pipefail
REPO_ROOT=$(cd "$(dirname "$0")" && pwd)
. "$REPO_ROOT/qemu-images/host/common.sh"

usage() {
	local text
	text=$(cat <<'USAGE'
usage: ./run.sh [options]

Installs what is missing (Debian packages), builds the arm64 kernel with the
boot memory hot-remove series and the test image, boots it in
qemu-system-aarch64, runs the suite and writes results/<time>/.

  --quick              the CI-sized plan (ci/plans.json "quick"); without it
                       the "default" plan, with --soak the "soak" plan
  --tests LIST         comma-separated test programs (bootmem_cycle_test,...),
                       or none (with --stress/--soak)
  --only-test LIST     run only these tests (FIXTURE.TEST as the summary names
                       them, comma-separated) of the one program --tests names:
                       the kselftest harness's -r filter (6.12 and later)
  --cycles N           cycles for the zero-drift test (3..64, default: the plan)
  --seed N             block-choice seed, to repeat a run (default: random)
  --duration SEC       wall-clock limit for the guest (default: from the plan)
  --stress SEC         seconds of stress under pressure after the tests (0: none;
                       default: the plan)
  --pressure PCT       memory held during stress/soak, % of MemTotal (50..95;
                       default: the plan)
  --soak DURATION      soak for this many hours (e.g. 0.5h, 2h) instead
  --mem SIZE           guest RAM, e.g. 7G (default: the variant's, ci/variants.json)
  --movable SIZE       movablecore= for the guest (default: the variant's;
                       half of a given --mem)
  --smp N              guest CPUs (default 2; make check also runs the cycle
                       tests with 4, for the probe of other CPUs' translations)
  --numa               two NUMA nodes, each with movable boot memory
                       (default then --mem 8G --movable 5G)
  --append ARGS        extra kernel command line (e.g. rodata=off)
  --spare-ram SIZE     give the guest SIZE more RAM than --mem and hide it from
                       the kernel with mem=, for the tests that hot-add RAM the
                       way a DIMM arrives (adds the "spare-ram" plan)
  --initrd-high        load the initramfs inside ZONE_MOVABLE (QEMU loader and
                       initrd=) instead of low RAM, so that a movable boot block
                       holds the freed initrd's iomem child (adds "initrd-high")
  --arch x86_64        the x86-64 reference: Debian's stock linux-image-amd64
                       (6.1), which removes boot memory without any series,
                       in qemu-system-x86_64 (TCG), with the same programs
                       built for x86-64 and the "x86_64" plan (its expected
                       skips are the arm64-only tests) with nokaslr
  --x86-kaslr-in-range with --arch x86_64: KASLR on, which puts the image in
                       the System RAM range of ZONE_MOVABLE; hunts stock
                       6.1's iomem bug ("x86-kaslr" plan: the run fails)
  --x86-gbpages        with --arch x86_64: -cpu qemu64,+pdpe1gb, a 1 GiB
                       direct map; hunts stock 6.1's remove_pud_table() bug
                       ("x86-gbpages" plan: the run fails)
  --x86-from-source    with --arch x86_64: instead of the stock image, build
                       linux-source-6.1 for x86-64 with the series, whose
                       generic patches (kernel/resource.c) then take effect,
                       and any --extra-patch (fixtures/kernel/configs/x86_64.config)
  --kdump              kdump end to end ("kdump" plan; --tests defaults to
                       bootmem_kexec_test): the test loads a crash kernel and
                       tries to take a boot block out, then /init crashes the
                       kernel into it (sysrq c), and the crash kernel reports
                       the ranges its /proc/vmcore lists
  --kexec              the kexec test's handover ("kexec" plan; --tests defaults
                       to bootmem_kexec_test): the test leaves a kernel loaded
                       and the guest boots into it, which reports what it took
                       as memory
  --lending            lend boot memory between two guests and take it back
                       (ci/lend.py): the primary's RAM is a shared
                       file the secondary maps as an ivshmem BAR; rounds of
                       primary -> secondary -> primary under pressure, each
                       block's pattern verified across guests, kexec refused
                       while a block is lent, and the bad cases
  --rounds N           lending rounds (1..20, default 3)
  --approach NAME      with --lending, how the primary comes by what it lends:
                       bootmem (default): the series, its ZONE_MOVABLE boot
                       memory; driver-managed: the path the 2020 thread
                       proposed, on Debian's stock kernel of --kernel, no
                       patch: mem= hides the top of its RAM, and the test
                       driver adds it with add_memory_driver_managed()
  --series-kernel      with --approach driver-managed: boot the kernel built
                       with the series instead of the stock one, so that a
                       comparison of the two approaches shares one kernel
  --mem-hidden SIZE    with --approach driver-managed: how much of the primary's
                       RAM mem= hides and the driver adds (default: as much as
                       the series lends; ci/lend.py), like 1G or 512M
  --kernel-tree DIR    build your own kernel tree instead of Debian's source
                       plus its series (fragments still applied)
@KERNEL_OPTION@
  --stock              boot Debian's stock kernel of --kernel and the page size
                       of --variant (ci/kernels.json: @STOCK_CONTROLS@)
                       as the control; it must report that boot-memory offline
                       is refused
  --extra-patch FILE   apply FILE on top of the series (bug injection)
  --variant NAME[,..]  kernel variant from ci/variants.json: 4k (default), 16k,
                       64k, kasan, or a combination such as 64k,kasan
  --results DIR        where to write results (default results/<time>)
  --keep               keep the initramfs and the guest's disk in the results directory
  --dry-run            print what the run would build and boot (kernel, source
                       package, series, cache work tree, plan, programs, QEMU)
                       and stop, installing and building nothing
  --help               this text

Plans (ci/plans.json) set the defaults above, the console watchdog and the
skips a run may have; rodata=off in --append adds the "rodata-off" plan,
--spare-ram and --initrd-high their own.

Exit: 0 every selected test passed, and every skip was one the plan
expects; 1 a test failed or crashed, a skip was unexpected, the kernel
splatted, or the guest crashed or hung (the watchdog); 2 usage or setup
error (bad option, missing tool, a kernel, driver or image that does not
build); 3 the kernel refuses boot-memory offline (a kernel without the
series: no test driver, every test skipped with the refusal).
USAGE
)
	local stock
	stock=$(kernels_py stock-controls | paste -sd, - | sed 's/,/, /g')
	text=${text/@KERNEL_OPTION@/$(kernels_py usage)}
	printf '%s\n' "${text/@STOCK_CONTROLS@/$stock}"
}

bad() { printf 'run.sh: %s (see ./run.sh --help)\n' "$*" >&2; exit 2; }
need_arg() { [ $# -ge 2 ] && [ -n "$2" ] || bad "$1 needs a value"; }
size_gb() { # "6G" or "6144M" -> whole GiB; rejects anything else
	case $1 in
	*[Gg]) v=${1%[Gg]} ;;
	*[Mm]) v=$(( ${1%[Mm]} / 1024 )) ;;
	*) return 1 ;;
	esac
	case $v in ''|*[!0-9]*) return 1 ;; esac
	echo "$v"
}

approach=bootmem hidden_mb= series_kernel= tests=all cycles= seed=0 duration= soak= stress= pressure= mem= movable= smp=2 numa= append= spare= initrd_high=
tree= stock= variant=4k kver=$DEFAULT_KERNEL results= keep= extra=() mem_given=false base_plan=default arch=arm64
x86_kaslr= x86_gbpages= x86_source= kexec= kdump= kernel_given= dry_run= tests_given= lending= rounds=3
only_tests=
while [ $# -gt 0 ]; do
	case $1 in
	--help|-h) usage; exit 0 ;;
	--quick) base_plan=quick; shift ;;
	--stress) need_arg "$@"; stress=$2; shift 2
		  case $stress in ''|*[!0-9]*) bad "--stress takes seconds, got '$stress'" ;; esac ;;
	--pressure) need_arg "$@"; pressure=$2; shift 2
		    case $pressure in ''|*[!0-9]*) bad "--pressure takes a percentage" ;; esac
		    [ "$pressure" -ge 50 ] && [ "$pressure" -le 95 ] || bad "--pressure must be 50..95" ;;
	--tests) need_arg "$@"; tests=$2; tests_given=1; shift 2
		 case $tests in *[!a-z0-9_,]*) bad "--tests takes names like bootmem_cycle_test,bootmem_refusal_test, or none" ;; esac ;;
	--only-test) need_arg "$@"; only_tests=$2; shift 2
		     case $only_tests in *[!a-z0-9_.,]*|.*|*,|,*) bad "--only-test takes names like bootmem.removed_block_is_unreachable_from_every_cpu" ;; esac ;;
	--cycles) need_arg "$@"; cycles=$2; shift 2
		  case $cycles in ''|*[!0-9]*) bad "--cycles must be a number, got '$cycles'" ;; esac
		  [ "$cycles" -ge 3 ] && [ "$cycles" -le 64 ] || bad "--cycles must be 3..64" ;;
	--seed) need_arg "$@"; seed=$2; shift 2
		case $seed in ''|*[!0-9]*) bad "--seed must be a decimal number" ;; esac ;;
	--duration) need_arg "$@"; duration=$2; shift 2
		    case $duration in ''|*[!0-9]*) bad "--duration takes seconds, got '$duration'" ;; esac ;;
	--soak) need_arg "$@"; soak=$2; shift 2
		echo "$soak" | grep -Eq '^[0-9]+(\.[0-9]+)?h$' || bad "--soak takes hours like 0.5h or 2h, got '$soak'" ;;
	--mem) need_arg "$@"; mem=$2; mem_given=true; shift 2
	       g=$(size_gb "$mem") || bad "--mem takes a size like 6G"
	       [ "$g" -ge 4 ] && [ "$g" -le 16 ] || bad "--mem must be 4G..16G (ZONE_MOVABLE needs RAM above 4 GiB)" ;;
	--movable) need_arg "$@"; movable=$2; shift 2
		   size_gb "$movable" >/dev/null || bad "--movable takes a size like 2G" ;;
	--smp) need_arg "$@"; smp=$2; shift 2
	       case $smp in ''|*[!0-9]*) bad "--smp must be a number" ;; esac
	       [ "$smp" -ge 1 ] && [ "$smp" -le 8 ] || bad "--smp must be 1..8" ;;
	--numa) numa=1; shift ;;
	--append) need_arg "$@"; append=$2; shift 2 ;;
	--spare-ram) need_arg "$@"; spare=$(size_gb "$2") && [ "$spare" -ge 1 ] ||
			bad "--spare-ram takes a size of at least 1G, like 1G"; shift 2 ;;
	--initrd-high) initrd_high=1; shift ;;
	--kexec) kexec=1; shift ;;
	--kdump) kdump=1; shift ;;
	--lending) lending=1; shift ;;
	--approach) need_arg "$@"; approach=$2; shift 2
		    case $approach in bootmem|driver-managed) ;; *) bad "--approach takes bootmem or driver-managed, got '$approach'" ;; esac ;;
	--series-kernel) series_kernel=1; shift ;;
	--mem-hidden) need_arg "$@"
		      case $2 in *[Gg]) hidden_mb=${2%[Gg]}; m=1024 ;; *[Mm]) hidden_mb=${2%[Mm]}; m=1 ;; *) hidden_mb=x ;; esac
		      case $hidden_mb in ''|*[!0-9]*) bad "--mem-hidden takes a size like 1G or 512M, got '$2'" ;; esac
		      hidden_mb=$(( 10#$hidden_mb * m )); shift 2 ;;
	--rounds) need_arg "$@"; rounds=$2; shift 2
		  case $rounds in ''|*[!0-9]*) bad "--rounds must be a number, got '$rounds'" ;; esac
		  [ "$rounds" -ge 1 ] && [ "$rounds" -le 20 ] || bad "--rounds must be 1..20" ;;
	--kernel-tree) need_arg "$@"; tree=$2; shift 2
		       [ -d "$tree" ] || bad "--kernel-tree $tree is not a directory" ;;
	--stock) stock=1; shift ;;
	--kernel) need_arg "$@"; kver=$2; kernel_given=1; shift 2
		  case " $KERNELS " in *" $kver "*) ;; *) bad "--kernel takes one of $KERNELS, got '$kver'" ;; esac ;;
	--extra-patch) need_arg "$@"; [ -f "$2" ] || bad "--extra-patch $2: no such file"
		       extra+=(--extra-patch "$2"); shift 2 ;;
	--variant) need_arg "$@"; variant=$2; shift 2 ;;
	--x86-kaslr-in-range) x86_kaslr=1; shift ;;
	--x86-gbpages) x86_gbpages=1; shift ;;
	--x86-from-source) x86_source=1; shift ;;
	--arch) need_arg "$@"; shift
		case $1 in
		arm64|aarch64) arch=arm64 ;;
		x86_64|amd64) arch=amd64 ;;
		*) bad "--arch takes arm64 or x86_64, got '$1'" ;;
		esac
		shift ;;
	--results) need_arg "$@"; results=$2; shift 2 ;;
	--keep) keep=1; shift ;;
	--dry-run) dry_run=1; shift ;;
	*) bad "unknown option '$1'" ;;
	esac
done
[ -n "$soak" ] && base_plan=soak
if [ -n "$lending" ]; then
	[ "$arch" = arm64 ] || bad "--lending is arm64's: the series lends boot memory there"
	[ -z "$stock$tree$soak$kexec$kdump$numa$spare$initrd_high" ] ||
		bad "--lending builds Debian's source with its series and boots its own two guests: no --stock, --kernel-tree, --soak, --kexec, --kdump, --numa, --spare-ram or --initrd-high"
	if [ "$approach" = driver-managed ]; then
		[ ${#extra[@]} -eq 0 ] || [ -n "$series_kernel" ] ||
			bad "--approach driver-managed boots the stock kernel: no --extra-patch (but with --series-kernel)"
		[ "$variant" = 4k ] || bad "--approach driver-managed boots the stock 4K kernel: no --variant"
		[ -n "$series_kernel" ] || stock=1
		if [ -n "$hidden_mb" ]; then
			why=$(/usr/bin/python3 "$REPO_ROOT/ci/lend.py" --check-hidden --hidden-mb "$hidden_mb" 2>&1) ||
				bad "--mem-hidden: ${why#lend.py: }"
		fi
	elif [ -n "$hidden_mb$series_kernel" ]; then
		bad "--mem-hidden and --series-kernel are --approach driver-managed's"
	fi
elif [ "$approach$hidden_mb$series_kernel" != bootmem ]; then
	bad "--approach, --mem-hidden and --series-kernel are --lending's"
fi
if [ -n "$kexec$kdump" ]; then
	[ "$arch" = arm64 ] || bad "--kexec and --kdump are arm64's: the series' kexec refusal (0007)"
	[ -z "$soak" ] || bad "--kexec, --kdump and --soak exclude each other: the handover or the crash ends the run"
	[ -z "$kexec" ] || [ -z "$kdump" ] || bad "--kexec and --kdump exclude each other: each ends the run in another kernel"
	[ -n "$tests_given" ] || tests=bootmem_kexec_test
fi
if [ -n "$only_tests" ]; then
	[ -z "$lending" ] || bad "--only-test filters a program of the suite; --lending runs none"
	case ${tests_given:+$tests} in ''|*,*|none|all) bad "--only-test filters the one program --tests names (e.g. --tests bootmem_cycle_test)" ;; esac
fi
if [ "$tests" = none ] && [ "${stress:-unset}" = 0 ] && [ -z "$soak$lending" ]; then
	bad "--tests none runs nothing without --stress SEC or --soak"
fi
[ -n "$stock" ] && [ -n "$tree" ] && bad "--stock and --kernel-tree exclude each other"
load_arch "$arch"
if [ "$arch" = amd64 ]; then
	# The reference is the stock kernel: nothing to build or to choose.
	[ -z "$stock$tree" ] || bad "--arch x86_64 always boots Debian's stock amd64 kernel: no --stock or --kernel-tree"
	[ -z "$kernel_given" ] && [ "$variant" = 4k ] || bad "--arch x86_64 is Debian's $arch_ref_kernel with 4K pages: no --kernel or --variant"
	kver=$arch_ref_kernel
	[ -z "$initrd_high$spare" ] || bad "--initrd-high and --spare-ram are arm64 plans (QEMU virt's loader and device tree)"
elif [ -n "$x86_kaslr$x86_gbpages$x86_source" ]; then
	bad "--x86-kaslr-in-range, --x86-gbpages and --x86-from-source need --arch x86_64"
fi
variant_vars=$(/usr/bin/python3 "$REPO_ROOT/ci/variant.py" "$variant" 2>&1) || bad "--variant: ${variant_vars#variant.py: }"
eval "$variant_vars"
stock_meta=
if [ -n "$stock" ]; then
	stock_meta=$(kernels_py stock "$kver" "$variant_key" 2>&1) || bad "${stock_meta#kernels.py: }"
	[ ${#extra[@]} -eq 0 ] || bad "--extra-patch patches the built kernel, not --stock"
fi
if [ -n "$numa" ] && [ $(( smp % 2 )) -ne 0 ]; then bad "--numa needs an even --smp"; fi
[ -n "$numa" ] && [ -n "$spare$initrd_high" ] && bad "--spare-ram and --initrd-high are for one node, not --numa"
# The plan: a base plan and the modifiers that apply, from ci/plans.json.
plans=$base_plan
case " $append " in *" rodata=off "*) plans="$plans,rodata-off" ;; esac
[ -n "$spare" ] && plans="$plans,spare-ram"
[ -n "$initrd_high" ] && plans="$plans,initrd-high"
[ -n "$kexec" ] && plans="$plans,kexec"
[ -n "$kdump" ] && plans="$plans,kdump"
case ",$variant," in *,kasan,*) plans="$plans,kasan" ;; esac
if [ "$arch" = amd64 ]; then
	plans="$plans,x86_64"
	if [ -n "$x86_kaslr" ]; then plans="$plans,x86-kaslr"; else plans="$plans,x86-nokaslr"; fi
	[ -n "$x86_gbpages" ] && plans="$plans,x86-gbpages"
fi
plan_vars=$(/usr/bin/python3 "$REPO_ROOT/ci/plan.py" "$plans") || bad "no such plan: $plans"
eval "$plan_vars"
cycles=${cycles:-$plan_cycles}
stress=${stress:-$plan_stress_s}
pressure=${pressure:-$plan_pressure_pct}
[ -n "$soak" ] && stress=0
# The guest's bh_stress: empty for none, seconds, or soak:HOURS.
bh_stress=
if [ -n "$soak" ]; then
	bh_stress="soak:${soak%h}"
elif [ "$stress" != 0 ]; then
	bh_stress=$stress
fi
# What this run means to run, by ci/plan.py's one rule (selftests/Makefile's
# programs for "all", then the stress program): report.py holds the console
# to it, so a program that never started, or vanished with the plan and the
# runner's numbers made to agree, fails the run. Lending runs none of them:
# lend.py accounts for its own rounds and steps.
programs=
if [ -z "$lending" ]; then
	programs=$(/usr/bin/python3 "$REPO_ROOT/ci/plan.py" --programs "$tests" "$bh_stress" 2>&1) ||
		bad "--tests: ${programs#plan.py: }"
fi

# Two nodes split the RAM, and ZONE_MOVABLE comes only from above 4 GiB, so
# node 0 needs more than 3 GiB (8G in all). movablecore= spreads kernelcore
# over the nodes, and its second pass hands node 0 whatever kernelcore is
# left, which takes node 0's movable memory; leaving kernelcore to ZONE_DMA
# alone (movablecore = RAM - 3G) keeps movable boot memory on both nodes.
if [ -n "$numa" ] && ! $mem_given; then mem=8G; fi
# A plan may size the guest (x86-kaslr), the variant otherwise.
mem=${mem:-${plan_mem:-$variant_mem}}
memg=$(size_gb "$mem")
if [ -z "$movable" ]; then
	if [ -n "$numa" ]; then movable="$(( memg - 3 ))G"
	elif [ -n "$plan_movable" ] && ! $mem_given; then movable=$plan_movable
	elif $mem_given; then movable="$(( memg / 2 ))G"
	else movable=$variant_movable; fi
fi
movg=$(size_gb "$movable")
[ "$movg" -ge 1 ] && [ "$movg" -lt "$memg" ] || bad "--movable ($movable) must be at least 1G and below --mem ($mem)"

if [ -n "$dry_run" ]; then
	echo "kernel: $kver ($arch), plan $plans"
	if [ -n "$stock" ]; then
		echo "stock: $stock_meta"
	elif [ "$arch" = arm64 ] && [ -z "$tree" ]; then
		echo "series: $(kernels_py patches "$kver")"
		"$REPO_ROOT/qemu-images/host/build-kernel.sh" --dry-run --kernel "$kver" --variant "$variant" ${extra[@]+"${extra[@]}"} || exit 2
	fi
	[ -n "$lending" ] && echo "lending: approach $approach${hidden_mb:+, mem= hides $hidden_mb MiB} (ci/lend.py sizes and boots both guests)"
	echo "programs: ${programs:-(none: lend.py judges the lending rounds)}${only_tests:+; of them only $only_tests}"
	echo "qemu: $(/usr/bin/python3 "$REPO_ROOT/ci/guest.py" qemu --arch "$arch" ${plan_x86_machine:+--machine "$plan_x86_machine"} ${plan_x86_cpu:+--cpu "$plan_x86_cpu"}) -m ${mem} -smp $smp, movablecore=$movable"
	exit 0
fi

# A fresh directory for every run, even two started in the same second; a
# given --results is emptied of an earlier run's files before anything can
# fail, so no console or verdict of another run is ever read.
mkdir -p "$REPO_ROOT/results" || bad "cannot create $REPO_ROOT/results"
if [ -z "$results" ]; then
	results=$(mktemp -d "$REPO_ROOT/results/$(date +%Y%m%d-%H%M%S)-XXXX") || bad "cannot create a results directory"
else
	mkdir -p "$results" || bad "cannot create $results"
fi
results=$(cd "$results" && pwd)
rm -rf "$results"/{console.log,results.ktap,metrics.jsonl,junit.xml,summary.txt,verdict.json,run.txt,plots,initramfs.cpio.gz,steps.tsv,steps-beside.tsv,steps-source.tsv,stage-packages.log}
: > "$results/console.log" || bad "cannot write $results/console.log"
if [ "$(dirname "$results")" = "$REPO_ROOT/results" ]; then
	ln -sfn "$(basename "$results")" "$REPO_ROOT/results/latest"
fi
t_start=$(date +%s)
export BOOTMEM_STEP_LOG="$results/steps.tsv"
: > "$BOOTMEM_STEP_LOG"

# A kernel of another suite comes from that suite's linux-source .deb,
# through the project's own apt configuration (debian-suite.sh), which needs
# none of the host packages: it is fetched and extracted while they install.
# A bookworm kernel's source is one of those packages, so it waits for them.
source_pid=
if [ -z "$tree" ] && [ -n "$(kernels_py suite "$kver")" ]; then
	( BOOTMEM_STEP_LOG="$results/steps-source.tsv" "$REPO_ROOT/qemu-images/host/pristine-source.sh" "$kver" >/dev/null
	  rc=$?; printf '%s\t-\n' "$(date +%s)" >> "$results/steps-source.tsv"; exit $rc ) &
	source_pid=$!
	trap 'kill $source_pid 2>/dev/null' EXIT
fi
step "setup: host packages"
"$REPO_ROOT/qemu-images/host/install-deps.sh" --run "$kver" "$arch" --part build ||
	{ echo "run.sh: installing host packages failed" >&2; exit 2; }
if [ -n "$source_pid" ]; then
	wait "$source_pid" || { echo "run.sh: fetching $kver's kernel source beside the host packages failed (see above)" >&2; exit 2; }
	trap - EXIT
fi

# The source the suite builds with (the kselftest framework) and the
# runner comes from: the developer's tree, or the kernel's pristine source.
if [ -n "$tree" ]; then ksrc=$(cd "$tree" && pwd); else ksrc=$("$REPO_ROOT/qemu-images/host/pristine-source.sh" "$kver") || exit 2; fi

# Beside the kernel build, which they share no input with: the host
# packages only the boot and the report need (QEMU and its libraries were
# a third of a fresh machine's installs), the guest packages, whose
# download waits mostly on the network, and the suite, whose compiles fill
# the CPU the build's serial link leaves idle. Their step times go to a
# log of their own, so that the build's row stays the build's. If any of
# them fails, it is done again below, where a failure stops the run and
# says why.
( export BOOTMEM_STEP_LOG="$results/steps-beside.tsv"
  step "setup: host packages for the boot and the report"
  "$REPO_ROOT/qemu-images/host/install-deps.sh" --run "$kver" "$arch" --part boot
  "$REPO_ROOT/qemu-images/host/build-initramfs.sh" --stage-packages "$arch" "$ksrc"
  rc=$?; printf '%s\t-\n' "$(date +%s)" >> "$results/steps-beside.tsv"; exit $rc ) 2> "$results/stage-packages.log" &
stage_pid=$!
trap 'kill $stage_pid 2>/dev/null' EXIT

if [ "$arch" = amd64 ] && [ -n "$x86_source" ]; then
	kdir=$("$REPO_ROOT/qemu-images/host/build-kernel.sh" --arch amd64 --kernel "$kver" ${extra[@]+"${extra[@]}"}) || exit 2
elif [ "$arch" = amd64 ]; then
	kdir=$("$REPO_ROOT/qemu-images/host/x86-kernel.sh" ${extra[@]+"${extra[@]}"}) || exit 2
elif [ -n "$stock" ]; then
	kdir=$("$REPO_ROOT/qemu-images/host/stock-kernel.sh" "$stock_meta" "$(kernels_py suite "$kver")") || exit 2
	# The driver-managed lending primary needs the test driver's lending
	# files on the stock kernel: built against it, without the series.
	if [ "$approach" = driver-managed ]; then
		kdir=$("$REPO_ROOT/qemu-images/host/stock-driver.sh" "$kdir" "$kver") || exit 2
	fi
else
	args=(--kernel "$kver" --variant "$variant" ${extra[@]+"${extra[@]}"})
	[ -n "$tree" ] && args+=(--kernel-tree "$tree")
	kdir=$("$REPO_ROOT/qemu-images/host/build-kernel.sh" "${args[@]}") || exit 2
fi

# The filter needs the harness's -r (6.12 and later; Debian's 6.1 has a
# runner that passes a program KSELFTEST_<PROGRAM>_ARGS, and a harness that
# ignores them and runs every test).
if [ -n "$only_tests" ] && ! { grep -q KSELFTEST_ARGS "$ksrc/tools/testing/selftests/kselftest/runner.sh" &&
	grep -q test_harness_argv_check "$ksrc/tools/testing/selftests/kselftest_harness.h"; }; then
	echo "run.sh: --only-test needs the kselftest harness's test filter (-r) and a runner that passes it on, 6.12's and later; $kver's harness has none" >&2
	exit 2
fi
# Staged a moment ago, from the package lists of now: the image's build
# need not ask apt again (2 s of CPU a run, twenty runs in make check).
if wait "$stage_pid"; then
	export BOOTMEM_GUEST_STAGED=1
else
	step "image: staging the guest packages or building the suite beside the build failed ($(tail -n 1 "$results/stage-packages.log")); trying again"
fi
trap - EXIT
# Present already unless their install beside the build failed; then this
# is where it fails, with apt's words.
"$REPO_ROOT/qemu-images/host/install-deps.sh" --run "$kver" "$arch" --part boot ||
	{ echo "run.sh: installing the host packages for the boot failed (see above; beside the build: $results/stage-packages.log)" >&2; exit 2; }
command -v "$arch_qemu" >/dev/null || { echo "run.sh: $arch_qemu missing after install-deps.sh" >&2; exit 2; }
image="$results/initramfs.cpio.gz"
"$REPO_ROOT/qemu-images/host/build-initramfs.sh" "$ksrc" "$kdir" "$image" "$arch" || exit 2

if [ -n "$lending" ]; then
	# No "programs:" line: lend.py judges a lending run, and report.py,
	# which needs one, refuses to judge this directory.
	{ if [ -n "$stock" ]; then echo "stock: $(basename "$(readlink -f "$kdir/Image" | xargs dirname)") (no patch: the test driver alone, built against it)"
	  elif [ -z "$tree" ]; then echo "source: $(kernels_py source "$kver") $(source_version "$kver")"; fi
	  echo "plan: lending ($approach), $rounds rounds"; } > "$results/run.txt"
	step "lending: two guests (qemu-system-aarch64, TCG) share the primary's RAM; $rounds rounds; consoles -> $results/console-{primary,secondary}.log"
	/usr/bin/python3 "$REPO_ROOT/ci/lend.py" --kernel "$kdir/Image" --initrd "$image" \
		--results "$results" --rounds "$rounds" --approach "$approach" ${hidden_mb:+--hidden-mb "$hidden_mb"}
	code=$?
	[ -n "$keep" ] || rm -f "$image"
	step_times
	step_times "$results/steps-source.tsv" "beside the host packages"
	step_times "$results/steps-beside.tsv" "beside the kernel build"
	echo "  wall time: $(( $(date +%s) - t_start )) s"
	exit $code
fi

plan="bh_tests=$tests bh_cycles=$cycles bh_seed=$seed bh_pressure=$pressure bh_timeout=$plan_program_timeout_s"
plan="$plan bh_stress_boot_blocks=$plan_stress_boot_blocks"
[ -n "$only_tests" ] && plan="$plan bh_only=$only_tests"
[ -n "$bh_stress" ] && plan="$plan bh_stress=$bh_stress"
console=$arch_console kernel_file=$arch_image qemu=$arch_qemu
# The plans' own words (x86_64: nokaslr), unless --append already has them.
for w in $plan_append; do
	case " $append " in *" $w "*) ;; *) plan="$plan $w" ;; esac
done
# The one builder of a guest's command line (ci/guest.py), as lend.py's
# and the LAVA jobs' are built.
# Words split, never globbed: an --append word may hold * or ?.
cmdline=$(set -f; /usr/bin/python3 "$REPO_ROOT/ci/guest.py" cmdline --arch "$arch" --movable "$movable" $plan $append) || exit 2
# The guest's RAM as QEMU gives it, and where the initramfs goes.
qemu_mem=$mem initrd_addr=
if [ -n "$spare" ]; then
	qemu_mem="$(( memg + spare ))G"
	cmdline="$cmdline mem=${memg}G"
fi
if [ -n "$initrd_high" ]; then
	# The start of the top GiB the kernel uses, which --movable (at
	# least 1G) puts in ZONE_MOVABLE.
	initrd_addr=$(printf '0x%x' $(( QEMU_VIRT_RAM_BASE + (memg - 1) * 1024 * 1024 * 1024 )))
	# Whole pages (64K covers every page size): the kernel frees only the
	# whole pages of the initrd, and a partial last page would stay
	# reserved and keep the block from going offline at all. The unpacker
	# skips the zeros.
	truncate -s %65536 "$image"
	cmdline="$cmdline initrd=$initrd_addr,$(stat -c %s "$image")"
fi
if [ -z "$duration" ]; then
	duration=$(( 900 + cycles * 60 + stress ))
	[ -n "$soak" ] && duration=$(awk -v h="${soak%h}" 'BEGIN { printf "%d", h * 3600 + 1200 }')
fi
{
	echo "kernel: $kdir"
	# The Debian source the series was built on: the archive keeps only a
	# suite's current version, so each run says which it had.
	[ "$arch" = arm64 ] && [ -z "$tree" ] && [ -z "$stock" ] &&
		echo "source: $(kernels_py source "$kver") $(source_version "$kver")"
	echo "cmdline: $cmdline"
	echo "qemu: $qemu -m $qemu_mem -smp $smp${numa:+ -numa x2}${initrd_addr:+ -device loader,addr=$initrd_addr} virtio-blk (ext4, ${GUEST_DISK_MB} MiB; swap, ${GUEST_SWAP_MB} MiB)"
	echo "plan: $plans"
	echo "programs: $programs"
	[ -z "$only_tests" ] || echo "only tests: $only_tests"
} > "$results/run.txt"
silence=${SILENCE_S:-$plan_silence_s}
step "boot: $qemu -m $qemu_mem -smp $smp (TCG), plan $plans, watchdog ${duration}s, silence ${silence}s; console -> $results/console.log"
"$REPO_ROOT/qemu-images/host/make-disk.sh" "$results/disk.ext4" || exit 2
"$REPO_ROOT/qemu-images/host/make-disk.sh" --swap "$results/swap.img" || exit 2
boot() {
	SILENCE_S=$silence INITRD_ADDR=$initrd_addr DISK=$results/disk.ext4 SWAP_DISK=$results/swap.img GUEST_ARCH=$arch \
		QEMU_CPU=$plan_x86_cpu QEMU_MACHINE=$plan_x86_machine \
		"$REPO_ROOT/qemu-images/host/boot-guest.sh" "$kdir/$kernel_file" "$image" \
		"$results/console.log" "$duration" "$qemu_mem" "$smp" "$cmdline" "$numa"
}
boot
boot_status=$?
# KASLR chooses where the image goes: about one boot in ten leaves no
# movable block below it, and the x86-kaslr plan then has nothing to hunt
# (the iomem test says so on the console). Only for that reason, and only
# when the iomem test is all the run asked for (so that no other result is
# thrown away with the console), boot again, up to 3 boots.
none_below=$(sed -n 's/^#define IOMEM_NONE_BELOW_IMAGE "\(.*\)"/\1/p' "$REPO_ROOT/selftests/lib/verdict.h")
for try in 2 3; do
	[ -n "$x86_kaslr" ] && [ "$tests" = bootmem_iomem_test ] &&
		grep -qF "$none_below" "$results/console.log" || break
	step "boot: KASLR put the image where no movable block lies below it ($(grep -o -m1 'Kernel code at [0-9a-fx]*' "$results/console.log")): boot $try of 3"
	"$REPO_ROOT/qemu-images/host/make-disk.sh" "$results/disk.ext4" || exit 2
	"$REPO_ROOT/qemu-images/host/make-disk.sh" --swap "$results/swap.img" || exit 2
	boot
	boot_status=$?
done
[ -n "$keep" ] || rm -f "$image" "$results/disk.ext4" "$results/swap.img"
# 2 is boot-guest.sh's own setup error (QEMU would not start): no verdict.
[ "$boot_status" = 2 ] && { echo "run.sh: QEMU could not start the guest" >&2; exit 2; }

echo
/usr/bin/python3 "$REPO_ROOT/ci/report.py" "$results" --boot-status "$boot_status" --plan "$plans" \
	--programs "${programs// /,}" ${only_tests:+--only-tests "$only_tests"}
code=$?
# Figures for runs under pressure (stress or soak).
if /usr/bin/python3 "$REPO_ROOT/ci/protocol.py" has-kind "$results" progress soak_minute 2>/dev/null; then
	"$REPO_ROOT/ci/plot.sh" "$results" || echo "  (plots not drawn)"
fi
step_times
step_times "$results/steps-source.tsv" "beside the host packages"
step_times "$results/steps-beside.tsv" "beside the kernel build"
echo "  wall time: $(( $(date +%s) - t_start )) s"
exit $code
exit
}
