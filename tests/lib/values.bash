# SPDX-License-Identifier: GPL-2.0
# Value checks shared by the test runners (tests/live/lib.bash, tests/lib/checks.bash): a
# figure that is missing, empty, null, "jq-error" or anything but a number never passes a
# numeric comparison.

# is_number V: V is a decimal number (integer, fraction, exponent); not empty, null, nan, inf,
# hex or padded.
is_number() {
	[[ $1 =~ ^-?([0-9]+([.][0-9]*)?|[.][0-9]+)([eE][-+]?[0-9]+)?$ ]]
}

# is_value V: V is something a check may compare: not empty and no marker of a missing value
# (null, or what a runner prints when jq or a file failed).
is_value() {
	case $1 in
	"" | null | jq-error | missing) return 1 ;;
	esac
	return 0
}

# Definitions for jq expressions that compare. jq sorts null below every number, so
# `.a <= .b` is true when .a is missing, and `all` is true on an empty array: `num` lets a
# number through and fails on anything else, `nonempty` fails on an empty or non-array.
# Example: '.rings[0] | (.acquisitions | num) == ([.paths[].acquisitions | num] | nonempty | add)'
# shellcheck disable=SC2034 # used by the scripts that source this file
JQ_DEFS='def num: if type == "number" then . else error("not a number: \(tojson)") end;
def nonempty: if type == "array" and length > 0 then . else error("empty or no array: \(tojson)")
	end;
'
