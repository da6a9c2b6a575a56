#!/usr/bin/python3
"""Stage the modules a stock kernel needs at boot, each after what it
depends on (modules.dep), and list their load order for /init, which has
no modprobe. The memory notifier error injection modules are copied but
not listed: /init loads them by name after the test driver.

    module-order.py MODULE_DIR OUT_DIR MODULE...

Writes OUT_DIR/order and the .ko files. Exit 1 names a module the kernel
does not have.
"""
import os, shutil, sys
moddir, out, wanted = sys.argv[1], sys.argv[2], sys.argv[3:]
deps = {}
for line in open(os.path.join(moddir, "modules.dep")):
    mod, _, rest = line.partition(":")
    deps[mod] = rest.split()
by_name = {os.path.basename(m)[:-3].replace("-", "_"): m for m in deps}
order = []
def visit(m):
    if m in order:
        return
    for d in reversed(deps[m]):
        visit(d)
    order.append(m)
for w in wanted:
    m = by_name.get(w.replace("-", "_"))
    if m is None:
        sys.exit(f"module-order.py: no module {w} in the stock kernel")
    visit(m)
with open(os.path.join(out, "order"), "w") as f:
    for m in order:
        shutil.copy2(os.path.join(moddir, m), out)
        name = os.path.basename(m)
        if "notifier-error-inject" not in name:
            f.write(name + "\n")
