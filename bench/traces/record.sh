#!/bin/sh
# Records the page-reference traces of bench/traces (README.md there) with
# Valgrind's Lackey and tracerec(1): the commands that produced them.
#
#   [OUT=DIR] sh bench/traces/record.sh [NAME...]
#
# after "make"; every trace by default; OUT writes them elsewhere.
#
# Each trace is the first N page references of one program, start-up
# included, filtered with tracerec -f 16 (references to the last 16
# distinct pages dropped; docs/traces.md says why), so that most or all
# of the program's run fits.  The inputs
# are generated here, deterministically, in a scratch directory; the
# traces still differ slightly from run to run wherever the program draws
# random numbers (sqlite's randomblob) or hashes strings with a per-run
# seed (Python).
set -eu
root=$(cd "$(dirname "$0")/../.." && pwd)
tracerec="$root/build/tools/tracerec"
out=${OUT:-$root/bench/traces}	# OUT=DIR: elsewhere
N=2000000
[ -x "$tracerec" ] || { echo "record.sh: build tracerec first (make)" >&2; exit 1; }
command -v valgrind >/dev/null || { echo "record.sh: needs valgrind" >&2; exit 1; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cd "$tmp"

# 2 MiB of text: 60000 lines of 2 to 8 words drawn from 5000 random words.
python3 -c "
import random
r = random.Random(42)
w = [''.join(r.choice('abcdefghijklmnopqrstuvwxyz')
    for _ in range(r.randint(3, 9))) for _ in range(5000)]
with open('words.txt', 'w') as f:
    for i in range(60000):
        f.write(' '.join(r.choice(w) for _ in range(r.randint(2, 8))) + '\n')
"
# One libvm source file, preprocessed, for the compiler proper.
cc -E -I"$root/include" -I"$root/sys" -D_GNU_SOURCE "$root/sys/vm/vm_map.c" \
    -o vm_map.i
cc1=$(cc -print-prog-name=cc1)
# The interpreter itself, not a wrapper script (pyenv's shims are sh):
# Valgrind would trace the wrapper.
py=/usr/bin/python3
[ -x "$py" ] || py=$(python3 -c 'import sys; print(sys.executable)')

# record NAME COUNT COMMAND...: Lackey writes to descriptor 3, a FIFO
# that tracerec reads; the program's own output goes nowhere.  tracerec
# exits after COUNT references; Valgrind does not die of the broken pipe
# (it ignores errors on its log), so it is ended then.
record() {
	name=$1 n=$2
	shift 2
	echo "== $name: $*"
	rm -f fifo
	mkfifo fifo
	valgrind --tool=lackey --trace-mem=yes --log-fd=3 "$@" \
	    3>fifo >/dev/null 2>/dev/null &
	vg=$!
	"$tracerec" -v -f 16 -n "$n" -o "$out/$name.trace.gz" < fifo
	kill -KILL $vg 2>/dev/null || true
	wait $vg 2>/dev/null || true
}

want() {
	[ $# -eq 0 ] && return 0
	for w; do [ "$w" = "$name" ] && return 0; done
	return 1
}

for name in sort gzip python sqlite cc1; do
	want "$@" || continue
	case $name in
	sort)	record sort $N sort words.txt ;;
	gzip)	record gzip $N gzip -9 -c words.txt ;;
	python)	record python $N "$py" -S -c "import random
r = random.Random(1)
d = {}
for i in range(60000): d[(i * 7919) % 100003] = str(i)
ks = list(d); s = 0
for p in range(6):
    if p % 2: r.shuffle(ks)
    for k in ks: s += len(d[k])
print(s)" ;;
	sqlite)	record sqlite $N sqlite3 :memory: "create table t(k integer primary key, v text);
with recursive c(i) as (select 1 union all select i+1 from c where i<30000) insert into t select i, hex(randomblob(24)) from c;
select sum(length(v)) from t;
with recursive c(i) as (select 1 union all select i+1 from c where i<20000) select sum(length((select v from t where k=1+abs(random())%30000))) from c;
select sum(length(v)) from t where v like '%AB%';
with recursive c(i) as (select 1 union all select i+1 from c where i<20000) select sum(length((select v from t where k=1+abs(random())%30000))) from c;
select count(*) from t where v > 'C';" ;;
	cc1)	record cc1 $N "$cc1" -O2 -quiet vm_map.i -o /dev/null ;;
	esac
done
