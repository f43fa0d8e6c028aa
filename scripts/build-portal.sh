#!/usr/bin/env bash
# Builds the portal into portal/dist: cargo (wasm32, size profile) → split at the lazy routes
# (portal-pack) → wasm-bindgen --target web → wasm-opt -Oz → hashed, precompressed files
# under portal/dist/assets/<hash>/ with a byte budget. Runnable from any directory. It installs nothing: when a tool
# is missing it stops and says which (the tools' install script provides them).
#
# Environment:
#   WASM_OPT   path to binaryen's wasm-opt (default: the npm binaryen under
#              ~/.cache/jiayuan/binaryen). Never Debian's binaryen 108: it writes a module whose
#              externref table export is broken ("WebAssembly.Table.set(): Argument 1 is invalid").
#   SKIP_WASM_OPT=1   skip the wasm-opt step (bigger output; for quick local builds).
#   CARGO_TARGET_DIR  honoured, as by cargo.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PORTAL="$ROOT/portal"
DIST="$PORTAL/dist"
TARGET_DIR="${CARGO_TARGET_DIR:-$ROOT/target}"
# Relative CARGO_TARGET_DIR values are relative to where cargo runs (we run it from $ROOT).
case "$TARGET_DIR" in /*) ;; *) TARGET_DIR="$ROOT/$TARGET_DIR" ;; esac
WASM_BINDGEN_VERSION="0.2.130"
WASM_OPT="${WASM_OPT:-$HOME/.cache/jiayuan/binaryen/node_modules/.bin/wasm-opt}"

die() {
  echo "build-portal: $*" >&2
  exit 1
}

command -v cargo >/dev/null 2>&1 || die "cargo is not installed (need the Rust toolchain)."
if ! rustup target list --installed 2>/dev/null | grep -qx wasm32-unknown-unknown; then
  die "the Rust target wasm32-unknown-unknown is missing (rustup target add wasm32-unknown-unknown)."
fi
command -v wasm-bindgen >/dev/null 2>&1 ||
  die "wasm-bindgen is missing: need wasm-bindgen-cli $WASM_BINDGEN_VERSION (cargo install wasm-bindgen-cli --version $WASM_BINDGEN_VERSION)."
found="$(wasm-bindgen --version | awk '{print $2}')"
[ "$found" = "$WASM_BINDGEN_VERSION" ] ||
  die "wasm-bindgen $found found, but the portal pins wasm-bindgen =$WASM_BINDGEN_VERSION: the CLI must be exactly $WASM_BINDGEN_VERSION."
[ -d "$(rustc --print sysroot)/lib/rustlib/src/rust/library/std" ] ||
  die "the Rust standard library's source is missing (rustup component add rust-src): the portal builds its own std."
if [ "${SKIP_WASM_OPT:-0}" != "1" ]; then
  [ -x "$WASM_OPT" ] ||
    die "wasm-opt is missing at $WASM_OPT: need npm binaryen@132 there (or set WASM_OPT; never Debian's binaryen 108)."
  opt_version="$("$WASM_OPT" --version | grep -oE '[0-9]+' | head -n1)"
  [ "${opt_version:-0}" -ge 116 ] ||
    die "wasm-opt at $WASM_OPT is version ${opt_version:-unknown}; need binaryen >= 116 (Debian's 108 breaks the module)."
fi

# The first screen's budget: what the sign-in page and Home download, brotli-compressed as
# served, index.html and the locale table included. DESIGN §12 sets "at most 200 KB
# compressed"; the gate takes the stricter reading, 200,000 bytes (not 204,800). Above it the
# build fails: a module's code belongs in its lazily loaded part, not in the first screen.
BUDGET_BYTES="${PORTAL_BUDGET_BYTES:-200000}"

echo "==> cargo build (wasm32-unknown-unknown, profile wasm-release, relocations kept for splitting)"
# --emit-relocs lets the splitter move each lazily loaded route's code into its own module.
# Size options that stable Rust keeps behind RUSTC_BOOTSTRAP (set for this build only; they
# change no behaviour the portal relies on, and its unit tests check that nothing renders Debug
# output):
# - -Zlocation-detail=none leaves out the source file, line and column a panic would report, and
#   -Zfmt-debug=none compiles every `{:?}` to nothing: together about 7 KB off the first screen
#   (brotli).
# - -Zbuild-std compiles the standard library with the portal (from the rust-src component)
#   instead of linking the prebuilt one, so that -Cpanic=immediate-abort reaches it too: a panic
#   stops the module at once, and no panic message is formatted anywhere (the portal installs no
#   panic hook, so none was ever shown: on wasm32-unknown-unknown stderr goes nowhere). With
#   std's `optimize_for_size` (smaller sort and formatting code) about 15.5 KB off the first
#   screen (brotli).
(cd "$ROOT" && RUSTC_BOOTSTRAP=1 \
  RUSTFLAGS="${RUSTFLAGS:-} -Clink-args=--emit-relocs --cfg erase_components -Zlocation-detail=none -Zfmt-debug=none -Zunstable-options -Cpanic=immediate-abort" \
  cargo build -p portal --lib --target wasm32-unknown-unknown --profile wasm-release \
    -Zbuild-std=std,panic_abort -Zbuild-std-features=optimize_for_size)
WASM_IN="$TARGET_DIR/wasm32-unknown-unknown/wasm-release/portal.wasm"
[ -f "$WASM_IN" ] || die "cargo did not produce $WASM_IN"

echo "==> portal-pack (native build of the packing step)"
(cd "$ROOT" && cargo build -q --release -p portal-pack)
PACK="$TARGET_DIR/release/portal-pack"

STAGING="$TARGET_DIR/portal-staging"
rm -rf "$STAGING"
mkdir -p "$STAGING"

echo "==> split at the lazy routes"
"$PACK" split "$WASM_IN" "$STAGING"

echo "==> wasm-bindgen --target web"
# --keep-lld-exports: the split parts link against the main module's exports.
wasm-bindgen "$STAGING/portal_split.wasm" --target web --no-typescript --keep-lld-exports \
  --out-name portal --out-dir "$STAGING"

if [ "${SKIP_WASM_OPT:-0}" != "1" ]; then
  echo "==> wasm-opt -Oz (each module, $(nproc) at a time)"
  # One module: optimised in place; wasm-opt's own messages are shown (less one harmless
  # warning about rustc's name section), and a failure stops the build.
  opt_one() {
    # The features rustc's wasm32 target emits by default; wasm-opt must accept them and keep them.
    if "$WASM_OPT" -Oz \
      --strip-debug --strip-producers \
      --enable-bulk-memory --enable-nontrapping-float-to-int --enable-sign-ext \
      --enable-reference-types --enable-multivalue --enable-mutable-globals \
      "$1" -o "$1.opt" 2>"$1.log"; then
      grep -v "unknown name subsection" "$1.log" >&2 || true
      rm -f "$1.log"
      mv "$1.opt" "$1"
    else
      cat "$1.log" >&2
      echo "build-portal: wasm-opt failed on $1" >&2
      return 1
    fi
  }
  export -f opt_one
  export WASM_OPT
  find "$STAGING" -maxdepth 1 -name '*.wasm' ! -name portal_split.wasm -print0 |
    xargs -0 -r -n 1 -P "$(nproc)" bash -c 'opt_one "$1"' _
fi

cp "$PORTAL/boot.js" "$PORTAL/style.css" "$STAGING/"
# Locale packs (a module's strings, fetched by its pages): locales/<pack>/<lang>.json →
# <pack>.<lang>.json beside the other assets.
for pack_dir in "$PORTAL"/locales/*/; do
  pack="$(basename "$pack_dir")"
  for file in "$pack_dir"*.json; do
    cp "$file" "$STAGING/$pack.$(basename "$file")"
  done
done

echo "==> portal/dist: hashed, precompressed, budget $BUDGET_BYTES bytes"
"$PACK" finish "$STAGING" "$PORTAL" "$DIST" --budget "$BUDGET_BYTES"
