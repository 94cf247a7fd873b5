package main

import (
	"bufio"
	"net"
	"strconv"
)

// listenRaw serves body to every request on a loopback port with a minimal
// HTTP/1.1 server written on net.Conn (headers read up to the empty line,
// one write per response, no timeouts, no request object): what a request
// costs with no HTTP library at all, the lowest floor a hand-written server
// could reach. It answers GETs only, which is all the clients send.
func listenRaw(body []byte) (string, func(), error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", nil, err
	}
	resp := []byte("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: " +
		strconv.Itoa(len(body)) + "\r\n\r\n")
	resp = append(resp, body...)
	go func() {
		for {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			go serveRaw(conn, resp)
		}
	}()
	return "http://" + ln.Addr().String(), func() { ln.Close() }, nil
}

func serveRaw(conn net.Conn, resp []byte) {
	defer conn.Close()
	r := bufio.NewReaderSize(conn, 4096)
	for {
		for {
			line, err := r.ReadSlice('\n')
			if err != nil {
				return
			}
			if len(line) <= 2 {
				break
			}
		}
		if _, err := conn.Write(resp); err != nil {
			return
		}
	}
}
