//go:build integration

package main

import (
	"io"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"
)

// link is one direction of the p2p connection between two validators: the
// dialer's peer entry for the other names the link's port, and the link
// forwards to the other's real listener. Cutting it drops its connections
// and refuses new ones until it heals.
type link struct {
	ln     net.Listener
	target string

	mu    sync.Mutex
	cut   bool
	conns map[net.Conn]struct{}
	wg    sync.WaitGroup
}

func newLink(t *testing.T, port int, target string) *link {
	ln, err := net.Listen("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(port)))
	require.NoError(t, err)
	l := &link{ln: ln, target: target, conns: make(map[net.Conn]struct{})}
	l.wg.Go(l.serve)
	t.Cleanup(l.close)
	return l
}

func (l *link) serve() {
	for {
		c, err := l.ln.Accept()
		if err != nil {
			return // closed
		}
		l.mu.Lock()
		cut := l.cut
		l.mu.Unlock()
		if cut {
			c.Close()
			continue
		}
		l.wg.Go(func() { l.forward(c) })
	}
}

// forward pipes c to a new connection to the target until either side
// ends or the link is cut.
func (l *link) forward(c net.Conn) {
	up, err := net.Dial("tcp", l.target)
	if err != nil {
		c.Close()
		return
	}
	if !l.track(c, up) {
		return
	}
	done := make(chan struct{}, 2)
	pipe := func(dst, src net.Conn) {
		_, _ = io.Copy(dst, src)
		done <- struct{}{}
	}
	go pipe(up, c)
	go pipe(c, up)
	<-done
	l.untrack(c, up)
	<-done
}

// track registers a forwarded pair; a link cut meanwhile closes it.
func (l *link) track(cs ...net.Conn) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.cut {
		for _, c := range cs {
			c.Close()
		}
		return false
	}
	for _, c := range cs {
		l.conns[c] = struct{}{}
	}
	return true
}

func (l *link) untrack(cs ...net.Conn) {
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, c := range cs {
		c.Close()
		delete(l.conns, c)
	}
}

// setCut cuts (dropping every open connection) or heals the link.
func (l *link) setCut(cut bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.cut = cut
	if cut {
		for c := range l.conns {
			c.Close()
			delete(l.conns, c)
		}
	}
}

func (l *link) close() {
	l.setCut(true)
	l.ln.Close()
	l.wg.Wait()
}

// meshPorts is how many link ports one chain's mesh takes.
const meshPorts = faultValidators * (faultValidators - 1)

// linkMesh routes every validator-to-validator connection of one chain
// through a link: links[i][j] carries what validator i dials to reach j.
type linkMesh struct {
	links [][]*link
}

// newLinkMesh starts the links of chain c on the ports from first and
// rewrites each validator's peer list to dial through them. Call it before
// the validators start.
func newLinkMesh(t *testing.T, c *faultChain, first int) *linkMesh {
	m := &linkMesh{links: make([][]*link, faultValidators)}
	port := first
	for i, vi := range c.tn.Validators {
		m.links[i] = make([]*link, faultValidators)
		cfg := filepath.Join(vi.Home, "config", "config.toml")
		b, err := os.ReadFile(cfg)
		require.NoError(t, err)
		text := string(b)
		for j, vj := range c.tn.Validators {
			if i == j {
				continue
			}
			m.links[i][j] = newLink(t, port, vj.P2PAddr)
			via := "@" + net.JoinHostPort("127.0.0.1", strconv.Itoa(port)) + `"`
			require.Contains(t, text, "@"+vj.P2PAddr+`"`, "%s's peer entry for %s", vi.Name, vj.Name)
			text = strings.Replace(text, "@"+vj.P2PAddr+`"`, via, 1)
			port++
		}
		require.NoError(t, os.WriteFile(cfg, []byte(text), 0o600))
	}
	return m
}

// split cuts every link between a validator of side and one outside it
// (both directions); heal restores every link.
func (m *linkMesh) split(side ...int) {
	in := make(map[int]bool, len(side))
	for _, v := range side {
		in[v] = true
	}
	for i := range m.links {
		for j, l := range m.links[i] {
			if l != nil && in[i] != in[j] {
				l.setCut(true)
			}
		}
	}
}

func (m *linkMesh) heal() {
	for i := range m.links {
		for _, l := range m.links[i] {
			if l != nil {
				l.setCut(false)
			}
		}
	}
}
