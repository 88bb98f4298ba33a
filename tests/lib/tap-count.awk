# Count TAP results; prints "PASSED FAILED SKIPPED".
# By default only top-level "ok"/"not ok" lines count. With KUNIT=1 only
# KUnit's per-case lines count (one subtest level, four spaces in), so a
# suite's own summary line is not counted twice. "# SKIP" marks a skip.
BEGIN { p = 0; f = 0; s = 0 }
{
	line = $0
	if (KUNIT == 1) {
		if (line !~ /^    (not )?ok /)
			next
		sub(/^    /, "", line)
	}
	if (line ~ /^ok / && line ~ /# [Ss][Kk][Ii][Pp]/) s++
	else if (line ~ /^ok /) p++
	else if (line ~ /^not ok /) f++
}
END { print p, f, s }
