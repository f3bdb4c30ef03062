"""Counts test results from meson's testlog.json: doctest cases of the unit binary, one per
end-to-end script. Prints 'N passed, N failed[, N skipped]'."""
import json
import re
import sys

passed = failed = skipped = 0
with open(sys.argv[1]) as log:
    for line in log:
        test = json.loads(line)
        out = test.get("stdout", "") or ""
        cases = re.search(r"test cases:\s*(\d+) \|\s*(\d+) passed \|\s*(\d+) failed \|\s*(\d+) skipped", out)
        if cases:
            passed += int(cases.group(2))
            failed += int(cases.group(3))
            skipped += int(cases.group(4))
            if test["result"] not in ("OK", "SKIP") and int(cases.group(3)) == 0:
                failed += 1  # the binary itself failed (a crash) without a failed case
        elif test["result"] == "OK":
            passed += 1
        elif test["result"] == "SKIP":
            skipped += 1
        else:
            failed += 1
line = f"{passed} passed, {failed} failed"
if skipped:
    line += f", {skipped} skipped"
print(line)
