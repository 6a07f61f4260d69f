package main

import (
	"log"
	"net"
	"net/http"
	"net/http/pprof"
	"os"
)

// servePprof serves Go's profiler on FENXIAO_PPROF (e.g. 127.0.0.1:6060)
// when it is set: CPU and heap profiles of the running shop are how the
// write path is measured under load. Only loopback addresses are accepted,
// the profiler tells anyone who reaches it far too much.
func servePprof() {
	addr := os.Getenv("FENXIAO_PPROF")
	if addr == "" {
		return
	}
	host, _, err := net.SplitHostPort(addr)
	if ip := net.ParseIP(host); err != nil || ip == nil || !ip.IsLoopback() {
		log.Printf("FENXIAO_PPROF=%q ignored: give a loopback address such as 127.0.0.1:6060", addr)
		return
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
	mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	go func() {
		if err := http.ListenAndServe(addr, mux); err != nil {
			log.Printf("profiler on %s: %v", addr, err)
		}
	}()
}
