# tap.sh - TAP for the host tests written in shell (tests/host/*.sh):
# source it after setting `top`; `ok STATUS DESCRIPTION` reports one test
# (STATUS 0 passes), $n counts them, $failed is 1 once one failed.
n=0 failed=0
ok() { n=$((n + 1)); if [ "$1" = 0 ]; then echo "ok $n - $2"; else echo "not ok $n - $2"; failed=1; fi; }
echo "TAP version 13"
