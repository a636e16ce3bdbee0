#!/usr/bin/env bash
# make_unseen.sh - build one of asynclint's "unseen" precision sets (issue 18).
#
# Pinned releases of real async Python projects that are NOT in the benchmark
# corpus (bench/ and shared/corpus/make_corpus.sh), used to measure precision on
# code the rules were never tuned against. Downloads each release from the package registry
# (wheel preferred, sdist as fallback; never its dependencies) and extracts
# ONLY its .py files into one folder per project:
#
#     $UNSEEN/src/<project>/...        (default UNSEEN=/tmp/asynclint-unseen, -unseen2, -unseen3)
#
# plus the lint configuration at the root of the project's sdist (pyproject.toml, setup.cfg, tox.ini,
# .flake8, ruff.toml, .ruff.toml; the sdist is fetched too when the wheel was used), so a run sees
# what a maintainer running asynclint in a checkout sees: a ruff/flake8 ignore of the same check
# turns ours off there (PEER_CONFIGS=0 leaves them out).
#
# Idempotent: archives are kept in $UNSEEN/dl/ and reused; a project folder is
# re-extracted only when its archive (sha256) changed or the folder is missing.
# Prints per-project file and line counts and the total, and writes them to
# $UNSEEN/manifest.tsv (project, version, archive, sha256, files, lines).
#
# Usage: bash bench/unseen/make_unseen.sh [SET]   (SET 1, 2, 3, ...; PYTHON=python3.11 to pick the interpreter)
# A pin with no release the interpreter can download is skipped and named at the end (exit 1); the others are built.
set -euo pipefail

# SET: 1 (default) is bench/unseen/, N > 1 is bench/unseenN/; each set's pins.txt holds
# the newest release `pip index versions` reported for each project when that set was made.
SET=${1:-1}
HERE=$(cd "$(dirname "$0")/.." && pwd)
case "$SET" in
  1) PINS_FILE=$HERE/unseen/pins.txt; DEFAULT=/tmp/asynclint-unseen ;;
  *[!0-9]*|'') echo "usage: make_unseen.sh [SET]  (a number: bench/unseenSET/pins.txt)" >&2; exit 2 ;;
  *) PINS_FILE=$HERE/unseen$SET/pins.txt; DEFAULT=/tmp/asynclint-unseen$SET ;;
esac
[[ -f "$PINS_FILE" ]] || { echo "make_unseen.sh: no $PINS_FILE" >&2; exit 2; }
UNSEEN=${UNSEEN:-$DEFAULT}
PY=${PYTHON:-python3}
PEER_CONFIGS=${PEER_CONFIGS:-1}

mapfile -t PINS < <(grep -v '^\s*\(#\|$\)' "$PINS_FILE")

mkdir -p "$UNSEEN/dl" "$UNSEEN/src" "$UNSEEN/stamps"

# extract ARCHIVE DEST [configs]: copy every *.py member of a wheel/zip/sdist into DEST,
# dropping an sdist's leading "<name>-<version>/" directory; with "configs", only the sdist's
# root-level lint configuration files.
extract() {
  "$PY" - "$1" "$2" "${3:-}" <<'PYEOF'
import os, sys, tarfile, zipfile, posixpath
archive, dest, mode = sys.argv[1], sys.argv[2], sys.argv[3]
CONFIGS = {"pyproject.toml", "setup.cfg", "tox.ini", ".flake8", "ruff.toml", ".ruff.toml"}

def members():
    if archive.endswith((".whl", ".zip")):
        with zipfile.ZipFile(archive) as z:
            strip = archive.endswith(".zip")
            for info in z.infolist():
                if not info.is_dir():
                    yield info.filename, strip, (lambda i=info: z.read(i))
    else:
        with tarfile.open(archive) as t:
            for m in t.getmembers():
                if m.isfile():
                    yield m.name, True, (lambda m=m: t.extractfile(m).read())

n = 0
for name, strip, read in members():
    parts = [p for p in posixpath.normpath(name).split("/") if p not in ("", ".")]
    if mode == "configs":
        if not strip or len(parts) != 2 or parts[1] not in CONFIGS:
            continue
    elif not name.endswith(".py"):
        continue
    if strip and len(parts) > 1:
        parts = parts[1:]
    if ".." in parts or not parts:
        continue
    out = os.path.join(dest, *parts)
    os.makedirs(os.path.dirname(out), exist_ok=True)
    with open(out, "wb") as f:
        f.write(read())
    n += 1
print(f"  extracted {n} {'config' if mode == 'configs' else '.py'} files", file=sys.stderr)
PYEOF
}

# A project already pinned by another set (or the corpus) is not held out: say so before it is read.
normalise() { tr 'A-Z' 'a-z' | sed 's/[-_.][-_.]*/-/g'; }
for pin in "${PINS[@]}"; do
  want=$(printf '%s' "${pin%%==*}" | normalise)
  for other in "$HERE"/unseen*/pins.txt "$HERE/../../shared/corpus/make_corpus.sh"; do
    [[ -f "$other" && "$other" != "$PINS_FILE" ]] || continue
    if grep -v '^\s*#' "$other" | sed 's/==.*//; s/^[[:space:]]*//' | normalise | grep -qx "$want"; then
      echo "make_unseen.sh: warning: ${pin%%==*} is also pinned in ${other#"$HERE"/}: not held out" >&2
    fi
  done
done

failed=()  # pins with no release this interpreter can download: reported at the end, the rest still built
for pin in "${PINS[@]}"; do
  name=${pin%%==*}
  ver=${pin##*==}
  dl="$UNSEEN/dl/$name-$ver"
  if ! compgen -G "$dl/*" >/dev/null; then
    mkdir -p "$dl"
    echo "downloading $pin" >&2
    # wheel first (pure-python or this platform's binary wheel), then sdist.
    if ! "$PY" -m pip download --quiet --no-deps --only-binary :all: -d "$dl" "$pin" 2>/dev/null; then
      echo "  no wheel for $pin, falling back to the sdist" >&2
      if ! "$PY" -m pip download --quiet --no-deps --no-binary "$name" -d "$dl" "$pin" 2>/dev/null; then
        echo "  cannot download $pin (no release for $("$PY" -c 'import sys; print(sys.version.split()[0])')?)" >&2
        rm -rf "$dl"
        failed+=("$pin")
        continue
      fi
    fi
  fi
  archive=$(compgen -G "$dl/*.*" | head -n1)
  sdist=""
  if [[ "$PEER_CONFIGS" == 1 ]]; then
    if [[ "$archive" == *.whl ]]; then
      if ! compgen -G "$dl/sdist/*" >/dev/null; then
        mkdir -p "$dl/sdist"
        "$PY" -m pip download --quiet --no-deps --no-binary "$name" -d "$dl/sdist" "$pin" >&2 \
          || echo "  no sdist for $pin: no lint configuration" >&2
      fi
      sdist=$(compgen -G "$dl/sdist/*" | head -n1 || true)
    else
      sdist=$archive
    fi
  fi
  sha=$(sha256sum "$archive" | cut -d' ' -f1)
  stamp="$UNSEEN/stamps/$name"
  want="$name	$ver	$(basename "$archive")	$sha"
  [[ -n "$sdist" ]] && want="$want	configs"
  if [[ -d "$UNSEEN/src/$name" && -f "$stamp" && "$(cat "$stamp")" == "$want" ]]; then
    continue
  fi
  echo "extracting $(basename "$archive") -> src/$name" >&2
  rm -rf "$UNSEEN/src/$name" "$UNSEEN/src/.tmp-$name"
  mkdir -p "$UNSEEN/src/.tmp-$name"
  extract "$archive" "$UNSEEN/src/.tmp-$name"
  [[ -n "$sdist" ]] && extract "$sdist" "$UNSEEN/src/.tmp-$name" configs
  mv "$UNSEEN/src/.tmp-$name" "$UNSEEN/src/$name"
  printf '%s\n' "$want" > "$stamp"
done

# Remove project folders that are no longer pinned (keeps reruns exact).
known=" $(for p in "${PINS[@]}"; do printf '%s ' "${p%%==*}"; done)"
for d in "$UNSEEN"/src/*/; do
  d=$(basename "$d")
  if [[ "$known" != *" $d "* ]]; then
    echo "removing stale src/$d" >&2
    rm -rf "$UNSEEN/src/$d" "$UNSEEN/stamps/$d"
  fi
done

# Count files and physical lines (wc -l semantics, plus a final unterminated line).
"$PY" - "$UNSEEN" <<'PYEOF'
import os, sys
corpus = sys.argv[1]
rows = []
for name in sorted(os.listdir(os.path.join(corpus, "stamps"))):
    src = os.path.join(corpus, "src", name)
    if not os.path.isdir(src):
        continue
    _, ver, archive, sha = open(os.path.join(corpus, "stamps", name)).read().rstrip("\n").split("\t")[:4]
    files = lines = 0
    for root, dirs, fnames in os.walk(src):
        for fn in fnames:
            if fn.endswith(".py"):
                data = open(os.path.join(root, fn), "rb").read()
                files += 1
                lines += data.count(b"\n") + (1 if data and not data.endswith(b"\n") else 0)
    rows.append((name, ver, os.path.basename(archive), sha, files, lines))
with open(os.path.join(corpus, "manifest.tsv"), "w") as f:
    f.write("project\tversion\tarchive\tsha256\tfiles\tlines\n")
    for r in rows:
        f.write("\t".join(map(str, r)) + "\n")
w = max(len(r[0]) for r in rows)
print(f"{'project':<{w}}  {'version':<10} {'files':>7} {'lines':>10}")
for name, ver, _, _, files, lines in rows:
    print(f"{name:<{w}}  {ver:<10} {files:>7} {lines:>10}")
tf, tl = sum(r[4] for r in rows), sum(r[5] for r in rows)
print(f"{'TOTAL':<{w}}  {'':<10} {tf:>7} {tl:>10}")
print(f"({len(rows)} projects; manifest: {os.path.join(corpus, 'manifest.tsv')})")
PYEOF
if (( ${#failed[@]} )); then
  echo "make_unseen.sh: not built (no release this interpreter can download): ${failed[*]}" >&2
  exit 1
fi
