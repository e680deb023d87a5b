# SPDX-License-Identifier: GPL-2.0
# Checks of the VM runners (tests/vm/run, tests/kvariants/run, tests/ab/run): each reports
# through the caller's `ok MESSAGE` and `fail MESSAGE` functions and goes on. A value that is
# missing, empty, null or "jq-error" never passes, and a number only matches a number.
. "$(dirname "${BASH_SOURCE[0]}")/values.bash"

# jq_file FILE EXPR: jq EXPR on FILE (JQ_DEFS' num and nonempty defined), or "jq-error" when
# FILE is missing or empty or jq fails.
jq_file() {
	if [ -s "$1" ] && jq -r "$JQ_DEFS$2" "$1" 2>/dev/null; then
		return 0
	fi
	echo jq-error
}

# eq NAME GOT WANT: GOT is WANT, as text; both are values, and GOT is a number if WANT is.
eq() {
	if ! is_value "$2" || ! is_value "$3"; then
		fail "$1: got '$2', want '$3' (missing value)"
	elif is_number "$3" && ! is_number "$2"; then
		fail "$1: got '$2', want the number $3"
	elif [ "$2" != "$3" ]; then
		fail "$1: got $2, want $3"
	else
		ok "$1 = $2"
	fi
}

# within NAME GOT WANT PCT: numbers, WANT > 0, |GOT - WANT| <= PCT% of WANT.
within() {
	if ! is_number "$2" || ! is_number "$3" || ! is_number "$4"; then
		fail "$1: got '$2', want '$3' within '$4'% (not numbers)"
	elif awk -v g="$2" -v w="$3" -v p="$4" \
		'BEGIN { d = g - w; if (d < 0) d = -d; exit !(w > 0 && d <= w * p / 100) }'; then
		ok "$1 = $2 (want $3 within $4%)"
	else
		fail "$1: got $2, want $3 (> 0) within $4%"
	fi
}

# cond NAME RESULT: RESULT is exactly "true" (a jq verdict: jq-error or null fail).
cond() {
	if [ "$2" = true ]; then
		ok "$1"
	else
		fail "$1 (got '$2')"
	fi
}
