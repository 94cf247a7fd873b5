package serve

import (
	"context"
	"errors"
	"net"
	"net/http"
	"time"
)

// NewServer returns an http.Server for h whose timeouts keep slow or idle
// clients from pinning connections: the request header must arrive within
// 5s, the whole request within 30s, the response go out within a minute,
// and an idle keep-alive connection is closed after 2 minutes. Headers
// (the URL, which holds the SQL, included) are limited to 256 KiB.
func NewServer(h http.Handler) *http.Server {
	return &http.Server{
		Handler:           h,
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      time.Minute,
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    256 << 10,
	}
}

// Serve serves srv on ln until ctx ends, then shuts it down gracefully:
// it stops accepting connections and waits, up to grace, for the running
// requests, and so for the writes they queued, to finish; after grace the
// remaining connections are closed. It returns nil after a graceful
// shutdown, or the error that stopped serving.
func Serve(ctx context.Context, srv *http.Server, ln net.Listener, grace time.Duration) error {
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), grace)
	defer cancel()
	err := srv.Shutdown(sctx)
	if err != nil {
		srv.Close()
	}
	if serr := <-errc; !errors.Is(serr, http.ErrServerClosed) {
		return serr
	}
	return err
}
