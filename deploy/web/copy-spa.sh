#!/bin/sh
# `copy-spa [dest]`: the compose `frontend-init` job. Copies this image's SPA bundle into the volume the edge
# nginx serves (docker-compose.deploy.yml). index.html is replaced last and atomically, so a browser never gets
# an index.html whose hashed assets are not there yet. The previous release's assets are kept, so tabs still
# open on it keep loading their chunks; older ones are removed. POSIX sh: it runs on busybox.
set -eu

src=${SPA_SOURCE:-/usr/share/nginx/html}
dest=${1:-/spa}

if [ ! -f "$src/index.html" ]; then
  echo "copy-spa: no index.html in $src" >&2
  exit 1
fi
if [ ! -d "$dest" ] || [ ! -w "$dest" ]; then
  echo "copy-spa: $dest is not a writable directory" >&2
  exit 1
fi

current="$dest/.spa-assets"
next="$dest/.spa-assets.next"
work="$dest/.copy-spa.list"
# Lists are kept in the volume itself: the job runs with a read-only root filesystem.
if [ -d "$src/assets" ]; then
  (cd "$src" && find assets -type f | sort) >"$next"
else
  : >"$next"
fi

# Directories first, then every file but index.html, each through a temporary name and a rename.
(cd "$src" && find . -type d) >"$work"
while IFS= read -r dir; do
  mkdir -p "$dest/$dir"
done <"$work"
(cd "$src" && find . -type f ! -path ./index.html) >"$work"
copied=0
while IFS= read -r file; do
  cp "$src/$file" "$dest/$file.copy-spa"
  mv -f "$dest/$file.copy-spa" "$dest/$file"
  copied=$((copied + 1))
done <"$work"
cp "$src/index.html" "$dest/index.html.copy-spa"
mv -f "$dest/index.html.copy-spa" "$dest/index.html"

removed=0
if [ -d "$dest/assets" ]; then
  (cd "$dest" && find assets -type f) >"$work"
  while IFS= read -r file; do
    if grep -qxF "$file" "$next"; then continue; fi
    if [ -f "$current" ] && grep -qxF "$file" "$current"; then continue; fi
    rm -f "$dest/$file"
    removed=$((removed + 1))
  done <"$work"
fi
rm -f "$work"
mv -f "$next" "$current"
echo "copy-spa: copied $((copied + 1)) files into $dest; removed $removed assets older than the previous release"
