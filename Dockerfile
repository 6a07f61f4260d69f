# fenxiao: one static binary with the shop, the dashboard and the H5 pages.
#   docker build -t fenxiao .
#   docker run -p 8090:8090 -v fenxiao_data:/pb_data \
#     -e FENXIAO_ADMIN_EMAIL=owner@example.com -e FENXIAO_ADMIN_PASSWORD=change-me-please fenxiao
# The first build compiles SQLite's C library (several minutes, cached in
# the build layer afterwards). See the README's Docker section for --demo,
# bind-mounted folders and continuous backup (deploy/).
FROM golang:1.26-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
# SQLite's C library linked in statically (see sqlitedb/); the
# image's gcc and glibc make a binary that needs nothing from the system
RUN CGO_ENABLED=1 go build -trimpath -tags osusergo,netgo,sqlite_omit_load_extension,no_default_driver \
      -ldflags='-s -w -linkmode external -extldflags "-static"' -o /out/fenxiao . \
 && mkdir -p /out/pb_data

FROM gcr.io/distroless/static-debian12:nonroot
WORKDIR /app
COPY --from=build /out/fenxiao /app/fenxiao
COPY --from=build --chown=nonroot:nonroot /out/pb_data /pb_data
USER nonroot:nonroot
VOLUME /pb_data
EXPOSE 8090
# the binary asks its own /api/health (the image has no curl); a serve with
# another --http address needs HEALTHCHECK CMD ["/app/fenxiao", "healthcheck", "--url", "..."]
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
  CMD ["/app/fenxiao", "healthcheck"]
ENTRYPOINT ["/app/fenxiao", "--dir=/pb_data"]
CMD ["serve", "--http=0.0.0.0:8090"]
