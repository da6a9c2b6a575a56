#!/bin/busybox sh
# Read the plan's KTAP on stdin, pass it through to stdout, and report each
# result to LAVA as its own test case (lava-test-case NAME --result
# pass|fail|skip), named as ci/report.py names it: the harness's
# fixture.test from its RUN line, program.check for kselftest.h results,
# and program.NAME for each program's own runner line. A program whose
# runner line is "ok" but that printed fewer results than its plan gets a
# failed program.NAME.plan case: LAVA must not see a short plan as a pass.
# The stress driver's per-minute progress line becomes a case of its own,
# stress.progress.tNs, with the cycles done as its measurement, failed if
# a phase errored or a word was corrupted: a soak on a board shows its
# progress in the lab's results every minute, not only at the end.
# Runs in the guest (busybox awk); the lab's test definition pipes
# /kselftest/run-plan.sh through it.
awk '
function report(name, result, extra) {
	gsub(/[^A-Za-z0-9_.-]/, "_", name)
	fflush()
	system("lava-test-case " name " --result " result extra)
}
{ print; fflush() }
/^# # progress: t=/ {
	t = ""; cycles = 0; bad = 0
	for (i = 3; i <= NF; i++) {
		split($i, kv, "=")
		if (kv[1] == "t") t = kv[2]
		if (kv[1] == "cycles") cycles = kv[2] + 0
		if ((kv[1] == "errors" || kv[1] == "corruption") && kv[2] + 0 > 0) bad = 1
	}
	report("stress.progress.t" t, bad ? "fail" : "pass", " --measurement " cycles " --units cycles")
	next
}
/^# selftests: / { prog = $NF; cur = ""; plan = -1; results = 0; next }
/^# 1\.\.[0-9]+/ { if (plan < 0) plan = substr($2, 4) + 0; next }
/^# #  *RUN  *[^ ]+ \.\.\./ { cur = $4; next }
/^# (not )?ok [0-9]+/ {
	line = substr($0, 3)
	failed = line ~ /^not ok/
	sub(/^(not )?ok [0-9]+ ?/, "", line)
	skipped = line ~ /^# *SKIP/ || line ~ / # *SKIP/
	name = line
	sub(/ # .*$/, "", name); sub(/^#.*$/, "", name)
	if (cur != "") {
		name = cur
	} else {
		sub(/:.*$/, "", name)
		name = prog "." (name != "" ? name : results + 1)
	}
	results++
	report(name, failed ? "fail" : (skipped ? "skip" : "pass"))
	cur = ""
	next
}
/^(not )?ok [0-9]+ selftests: / {
	result = $1 == "not" ? "fail" : ($0 ~ /# SKIP/ ? "skip" : "pass")
	report("program." prog, result)
	if (result == "pass" && plan >= 0 && results != plan)
		report("program." prog ".plan", "fail")
	next
}
'
