#!/bin/sh
# Entrypoint of the TLS proxy (docker/proxy.Dockerfile): choose the
# certificate, check the configuration, then run nginx in the foreground.
#
#   A certificate mounted in $LRSD_PROXY_CERTS (fullchain.pem and
#   privkey.pem) wins.  Without one, a self-signed certificate for
#   $LRSD_PROXY_HOSTNAME is made on first start in $LRSD_PROXY_STATE/self
#   (a volume) and reused on every later start, so clients that pinned it
#   keep working.  nginx.conf reads the chosen pair through the links in
#   $LRSD_PROXY_STATE/tls.
#
# Arguments are passed to nginx (e.g. -t).  tests/proxy/proxy.py runs this
# script outside Docker with the variables below pointed at a temp dir.
set -eu

certs=${LRSD_PROXY_CERTS:-/etc/lrsd-proxy/certs}
state=${LRSD_PROXY_STATE:-/var/lib/lrsd-proxy}
conf=${LRSD_PROXY_CONF:-/etc/nginx/nginx.conf}
host=${LRSD_PROXY_HOSTNAME:-localhost}
days=${LRSD_PROXY_CERT_DAYS:-825}

say() {
	printf '%s proxy-entrypoint: %s\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$*" >&2
}

mkdir -p "$state/tls" "$state/self" "$state/tmp"
# Half a mounted pair is a mistake to report, not a reason to fall back
# to a self-signed certificate.
have=0
[ -s "$certs/fullchain.pem" ] && have=$((have + 1))
[ -s "$certs/privkey.pem" ] && have=$((have + 1))
if [ "$have" -eq 1 ]; then
	say "$certs holds only one of fullchain.pem and privkey.pem"
	exit 1
fi
if [ -s "$certs/fullchain.pem" ] && [ -s "$certs/privkey.pem" ]; then
	src=$certs
	say "using the certificate in $certs"
elif [ -s "$state/self/fullchain.pem" ] && [ -s "$state/self/privkey.pem" ]; then
	src=$state/self
	say "reusing the self-signed certificate in $src"
else
	src=$state/self
	say "no certificate in $certs: making a self-signed one for $host"
	# ECDSA P-256: a handshake costs the proxy a fraction of RSA's.
	( umask 077 && openssl req -x509 -newkey ec \
	    -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days "$days" \
	    -subj "/CN=$host" -addext "subjectAltName=DNS:$host" \
	    -keyout "$src/privkey.pem.new" -out "$src/fullchain.pem.new" \
	    2>/dev/null )
	mv "$src/privkey.pem.new" "$src/privkey.pem"
	mv "$src/fullchain.pem.new" "$src/fullchain.pem"
fi
ln -sfn "$src/fullchain.pem" "$state/tls/fullchain.pem"
ln -sfn "$src/privkey.pem" "$state/tls/privkey.pem"
openssl x509 -in "$src/fullchain.pem" -noout -subject -enddate | \
    sed 's/^/certificate /' >&2

nginx -e stderr -t -q -c "$conf"
exec nginx -e stderr -c "$conf" -g 'daemon off;' "$@"
