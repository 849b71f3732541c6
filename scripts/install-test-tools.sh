#!/usr/bin/env bash
# Installs the real components Ferry's tests run against (Debian/Ubuntu): the CNCF distribution
# registry, skopeo, containerd (ctr), umoci, dockerd (docker.io: the docker-daemon: tests start their own engine), zstd (zstd test layers), htpasswd, openssl and Chromium (HTML reports, the app e2e). Run as root (or with sudo).
set -euo pipefail
packages=(docker-registry skopeo containerd umoci docker.io zstd apache2-utils openssl ca-certificates chromium dosfstools e2fsprogs fusefat file)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ "${#missing[@]}" -eq 0 ]; then
  echo "install-test-tools: all present"
  exit 0
fi
echo "install-test-tools: installing ${missing[*]}"
apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
