#!/usr/bin/env bash
# check_templates.sh: the translation keys used by templates/*.html exist in
# every catalogue (locale/ar/*.po, locale/fr/*.po, locale/en/*.po), and the catalogues agree.
#
# Fails (exit 1), naming the key, when:
#   - a {{t "key"}} used in a template is missing from a catalogue;
#   - the three catalogues do not have the same set of keys;
#   - a catalogue has an empty msgstr, a fuzzy entry or a duplicate key;
#   - a key's {placeholders} differ between the catalogues;
#   - a {{t "key" name=path}} tag does not supply a {placeholder} that the
#     translation uses (it would be shown as is).
# Keys used through a path ({{t title}}, {{t page.message}}) are dynamic and
# cannot be checked here.
#
# Usage: tests/unit/check_templates.sh [ROOT]   (default: the repository root)
set -euo pipefail
export LC_ALL=C

root=${1:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
tdir=$root/templates
ldir=$root/locale
langs=(ar fr en)

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

fail=0
err() {
	printf 'check_templates: %s\n' "$*" >&2
	fail=1
}

# po_entries FILE: prints "key<TAB>msgstr" for every entry but the header,
# joining continuation lines; reports fuzzy and duplicate entries on stderr
# as "FILE:LINE: ..." lines prefixed with "!" on stdout.
po_entries() {
	awk -v file="$1" '
	function flush() {
		if (state != "") {
			if (id != "") {
				if (id in seen)
					printf "!%s:%d: duplicate key \"%s\"\n", file, idline, id
				seen[id] = 1
				if (fuzzy)
					printf "!%s:%d: fuzzy entry \"%s\"\n", file, idline, id
				if (plural)
					printf "%s\t%s\n", id, "(plural)"
				else
					printf "%s\t%s\n", id, str
			}
		}
		state = ""; id = ""; str = ""; fuzzy = 0; plural = 0
	}
	function unq(s) { sub(/^[ \t]*"/, "", s); sub(/"[ \t]*$/, "", s); return s }
	/^#,.*fuzzy/ { if (state == "str") flush(); fuzzy = 1; next }
	/^#/ || /^[ \t]*$/ { if (state == "str") flush(); next }
	/^msgctxt[ \t]/ { flush(); state = "ctxt"; next }
	/^msgid_plural[ \t]/ { plural = 1; state = "idp"; next }
	/^msgid[ \t]/ {
		if (state == "str") flush()
		keepfuzzy = fuzzy; flush(); fuzzy = keepfuzzy
		state = "id"; idline = NR; id = unq(substr($0, 6)); next
	}
	/^msgstr(\[[0-9]+\])?[ \t]/ {
		state = "str"; s = $0; sub(/^msgstr(\[[0-9]+\])?/, "", s); str = str unq(s); next
	}
	/^[ \t]*"/ {
		if (state == "id") id = id unq($0)
		else if (state == "str") str = str unq($0)
		next
	}
	{ printf "!%s:%d: unexpected line\n", file, NR }
	END { flush() }
	' "$1"
}

for l in "${langs[@]}"; do
	shopt -s nullglob
	files=("$ldir/$l"/*.po)
	if [[ ${#files[@]} -eq 0 ]]; then
		err "no catalogue in $ldir/$l/"
		continue
	fi
	for po in "${files[@]}"; do po_entries "$po"; done >"$tmp/$l.raw"
	while IFS= read -r line; do
		err "${line#!}"
	done < <(grep '^!' "$tmp/$l.raw" || true)
	grep -v '^!' "$tmp/$l.raw" >"$tmp/$l.tsv" || true
	while IFS=$'\t' read -r key val; do
		[[ -z $val ]] && err "$l.po: empty msgstr for \"$key\""
	done <"$tmp/$l.tsv"
	cut -f1 "$tmp/$l.tsv" | sort -u >"$tmp/$l.keys"
done

[[ $fail -eq 0 ]] || exit 1

# The three catalogues have the same keys.
cat "$tmp"/{ar,fr,en}.keys | sort -u >"$tmp/all.keys"
for l in "${langs[@]}"; do
	while IFS= read -r key; do
		err "key \"$key\" is missing from locale/$l/"
	done < <(comm -23 "$tmp/all.keys" "$tmp/$l.keys")
done

# Placeholders ({name}) of each key are the same in every language.
placeholders() { grep -o '{[A-Za-z_][A-Za-z0-9_]*}' <<<"$1" | sort -u | tr '\n' ' ' || true; }
declare -A ph_en
while IFS=$'\t' read -r key val; do
	ph_en[$key]=$(placeholders "$val")
done <"$tmp/en.tsv"
for l in ar fr; do
	while IFS=$'\t' read -r key val; do
		[[ -v ph_en[$key] ]] || continue
		p=$(placeholders "$val")
		if [[ $p != "${ph_en[$key]}" ]]; then
			err "key \"$key\": placeholders in $l.po [${p% }] differ from en.po [${ph_en[$key]% }]"
		fi
	done <"$tmp/$l.tsv"
done

# Keys used in templates: {{t "key" ...}} tags.
shopt -s nullglob
templates=("$tdir"/*.html)
if [[ ${#templates[@]} -eq 0 ]]; then
	err "no templates in $tdir"
fi
: >"$tmp/tags"
for f in "${templates[@]}"; do
	grep -o '{{[[:space:]]*t[[:space:]]\+"[^"]*"[^}]*}}' "$f" |
		sed "s|^|$(basename "$f")\t|" >>"$tmp/tags" || true
done
: >"$tmp/used"
while IFS=$'\t' read -r file tag; do
	key=$(sed 's/^{{[[:space:]]*t[[:space:]]*"\([^"]*\)".*/\1/' <<<"$tag")
	echo "$key" >>"$tmp/used"
	for l in "${langs[@]}"; do
		if ! grep -qxF -- "$key" "$tmp/$l.keys"; then
			err "$file: key \"$key\" is missing from locale/$l/"
		fi
	done
	# Every placeholder of the translation must be given as name=path.
	if [[ -v ph_en[$key] ]]; then
		args=$(sed 's/^{{[[:space:]]*t[[:space:]]*"[^"]*"//; s/}}$//' <<<"$tag")
		for p in ${ph_en[$key]}; do
			name=${p#\{}
			name=${name%\}}
			if ! grep -qE "(^|[[:space:]])$name=" <<<"$args"; then
				err "$file: {{t \"$key\"}} does not supply {$name} used by its translation"
			fi
		done
	fi
done <"$tmp/tags"

[[ $fail -eq 0 ]] || exit 1

used=$(sort -u "$tmp/used" | wc -l)
total=$(wc -l <"$tmp/en.keys")
echo "ok: $used keys used, $total keys in catalogues"
