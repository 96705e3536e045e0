#!/bin/bash
# HEALTHCHECK of the lrsd image: exit 0 when GET /health answers 200
# within 5 s, else 1.  bash's /dev/tcp, as the image has no curl or wget.
#   LRSD_HEALTH_HOST (default 127.0.0.1), LRSD_HEALTH_PORT (default 8080)
host=${LRSD_HEALTH_HOST:-127.0.0.1}
port=${LRSD_HEALTH_PORT:-8080}

exec 3<>"/dev/tcp/$host/$port" 2>/dev/null || exit 1
printf 'GET /health HTTP/1.1\r\nHost: %s\r\nConnection: close\r\n\r\n' \
    "$host" >&3 || exit 1
IFS= read -r -t 5 status <&3 || exit 1
case $status in
"HTTP/1.1 200 "*|"HTTP/1.0 200 "*) exit 0 ;;
esac
echo "lrsd /health: ${status%$'\r'}" >&2
exit 1
