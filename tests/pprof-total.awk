# SPDX-License-Identifier: GPL-2.0
# Sum of one value column over the Samples section of `go tool pprof -raw` output.
# Usage: awk -v type=delay/ -f tests/pprof-total.awk RAW; exits 1 without that column.
/^Samples:/ {
	s = 1
	getline
	for (i = 1; i <= NF; i++)
		if (index($i, type) == 1)
			c = i
	next
}
/^Locations/ { s = 0 }
s && /^ *[0-9]/ { sub(/:.*/, ""); t += $c }
END {
	if (!c)
		exit 1
	printf "%d", t
}
