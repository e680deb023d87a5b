# SPDX-License-Identifier: GPL-2.0
# The kernel log by sequence number: /dev/kmsg gives each record as "PRI,SEQ,USEC,FLAGS;TEXT",
# and SEQ keeps growing when the full log buffer drops its oldest records, so "records after
# SEQ" stays right where counting lines stops seeing anything new.
# KMSG=FILE reads a saved copy of /dev/kmsg instead (the self-test does).

# kmsg_records: every record the log holds, one "SEQ TEXT" line each; status 1 if the log
# cannot be read.
kmsg_records() {
	local src=${KMSG:-/dev/kmsg} raw err errf try
	errf=$(mktemp /tmp/uringlockstat-kmsg.XXXXXX) || return 1
	for ((try = 0; try < 3; try++)); do
		# One record per read; EAGAIN at the end. EPIPE: records were overwritten under
		# the reader, so read again from the oldest.
		raw=$(dd if="$src" iflag=nonblock bs=65536 2>"$errf")
		err=$(grep -v -e '^[0-9]*+[0-9]* records' -e ' copied, ' "$errf")
		case $err in
		*"Broken pipe"*) continue ;;
		"" | *"Resource temporarily unavailable"*) ;;
		*) echo "kmsg: ${err%%$'\n'*}" >&2; rm -f "$errf"; return 1 ;;
		esac
		rm -f "$errf"
		printf '%s\n' "$raw" |
			awk '/^[0-9]+,[0-9]+,[0-9]+,[^;]*;/ {
				split($0, head, ",")
				print head[2], substr($0, index($0, ";") + 1)
			}'
		return 0
	done
	rm -f "$errf"
	echo "kmsg: $src: records overwritten while reading, 3 times" >&2
	return 1
}

# kmsg_last_seq: the sequence number of the newest record (-1 for an empty log).
kmsg_last_seq() {
	local recs
	recs=$(kmsg_records) || return 1
	printf '%s\n' "$recs" | awk 'NF { last = $1 } END { print (last == "" ? -1 : last) }'
}

# kmsg_since SEQ: the records after SEQ, as "SEQ TEXT" lines.
kmsg_since() {
	local recs
	recs=$(kmsg_records) || return 1
	printf '%s\n' "$recs" | awk -v after="$1" 'NF && $1 + 0 > after + 0'
}
