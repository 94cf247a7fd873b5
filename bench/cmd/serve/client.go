package main

import (
	"bufio"
	"bytes"
	"fmt"
	"net"
	"strconv"
)

// rawClient is a minimal HTTP/1.1 keep-alive client, as load generators
// such as wrk are: it writes a GET and reads the response with no more
// work than framing needs, so that the clients, which share the CPU with
// the servers, take as little of it as possible. Both handlers are
// measured with it.
type rawClient struct {
	addr string // host:port
	conn net.Conn
	r    *bufio.Reader
	req  []byte
}

// get sends GET target and discards the response, returning its status.
func (c *rawClient) get(target string) (int, error) {
	if c.conn == nil {
		conn, err := net.Dial("tcp", c.addr)
		if err != nil {
			return 0, err
		}
		c.conn, c.r = conn, bufio.NewReaderSize(conn, 64<<10)
	}
	c.req = append(c.req[:0], "GET "...)
	c.req = append(c.req, target...)
	c.req = append(c.req, " HTTP/1.1\r\nHost: "...)
	c.req = append(c.req, c.addr...)
	c.req = append(c.req, "\r\n\r\n"...)
	if _, err := c.conn.Write(c.req); err != nil {
		c.close()
		return 0, err
	}
	status, err := c.readResponse()
	if err != nil {
		c.close()
	}
	return status, err
}

func (c *rawClient) close() {
	if c.conn != nil {
		c.conn.Close()
		c.conn = nil
	}
}

var (
	hdrLength  = []byte("content-length:")
	hdrChunked = []byte("transfer-encoding: chunked")
)

func (c *rawClient) readResponse() (int, error) {
	line, err := c.r.ReadSlice('\n')
	if err != nil {
		return 0, err
	}
	if len(line) < 12 {
		return 0, fmt.Errorf("bad status line %q", line)
	}
	status, err := strconv.Atoi(string(line[9:12]))
	if err != nil {
		return 0, fmt.Errorf("bad status line %q", line)
	}
	length, chunked := -1, false
	for {
		line, err := c.r.ReadSlice('\n')
		if err != nil {
			return 0, err
		}
		if len(line) <= 2 {
			break
		}
		lower := bytes.ToLower(line)
		if v, ok := bytes.CutPrefix(lower, hdrLength); ok {
			length, err = strconv.Atoi(string(bytes.TrimSpace(v)))
			if err != nil {
				return 0, fmt.Errorf("bad header %q", line)
			}
		} else if bytes.HasPrefix(lower, hdrChunked) {
			chunked = true
		}
	}
	switch {
	case length >= 0:
		_, err = c.r.Discard(length)
		return status, err
	case !chunked:
		return 0, fmt.Errorf("response without length")
	}
	for {
		line, err := c.r.ReadSlice('\n')
		if err != nil {
			return 0, err
		}
		n, err := strconv.ParseInt(string(bytes.TrimSpace(line)), 16, 64)
		if err != nil {
			return 0, fmt.Errorf("bad chunk size %q", line)
		}
		if n == 0 {
			// No trailers here: the empty line ends the body.
			_, err = c.r.Discard(2)
			return status, err
		}
		if _, err := c.r.Discard(int(n) + 2); err != nil {
			return 0, err
		}
	}
}
