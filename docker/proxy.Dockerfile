# The TLS proxy in front of lrsd: Debian 12's nginx (the one
# tests/proxy/proxy.py checks docker/nginx.conf with), unprivileged.
#   docker build -f docker/proxy.Dockerfile -t lrsd-proxy docker
FROM debian:12-slim
RUN apt-get update -qq && apt-get install -y -qq --no-install-recommends \
        nginx openssl ca-certificates && \
        rm -rf /var/lib/apt/lists/* /etc/nginx/sites-enabled/* && \
        useradd -r -u 10002 -d /var/lib/lrsd-proxy lrsd-proxy && \
        mkdir -p /var/lib/lrsd-proxy /etc/lrsd-proxy/certs && \
        chown lrsd-proxy /var/lib/lrsd-proxy
COPY nginx.conf /etc/nginx/nginx.conf
COPY proxy-entrypoint.sh /usr/local/bin/proxy-entrypoint
USER lrsd-proxy
# The self-signed certificate made on first start lives here.
VOLUME /var/lib/lrsd-proxy
EXPOSE 8443 8080
ENTRYPOINT ["/usr/local/bin/proxy-entrypoint"]
