package node

import (
	"fmt"

	"github.com/causeway/causeway/attest"
	"github.com/causeway/causeway/node/mempool"
	"github.com/causeway/causeway/node/p2p"
	"github.com/causeway/causeway/node/rpc"
	"github.com/causeway/causeway/node/state"
)

// latestState lends a read view of the state after the latest commit; the
// caller hands it back with the returned function and must not write to it.
// Each caller gets its own view: an Overlay is not safe for concurrent use.
func (n *Node) latestState() (*state.Overlay, func(), error) {
	n.mu.RLock()
	root := n.chain.root
	n.mu.RUnlock()
	return n.views.acquire(n.sdb, root)
}

func (n *Node) mempoolConfig() mempool.Config {
	c := mempool.DefaultConfig()
	c.MaxTxs = n.cfg.Mempool.MaxTxs
	c.MaxBytes = int(n.cfg.Mempool.MaxBytes)
	c.NonceWindow = n.cfg.Mempool.NonceWindow
	return c
}

func (n *Node) rpcConfig() rpc.Config {
	c := rpc.DefaultConfig()
	c.ListenAddr = n.cfg.RPC.ListenAddr
	c.MaxRequestBytes = n.cfg.RPC.MaxRequestBytes
	return c
}

// tcpTransport builds the validator transport from the P2P config. Only
// validators of the current set may connect.
func (n *Node) tcpTransport() (p2p.Transport, error) {
	if n.key == nil {
		return nil, fmt.Errorf("p2p: a node without a validator key cannot authenticate to validators")
	}
	addrs, hosts, err := n.cfg.P2P.PeerAddrs()
	if err != nil {
		return nil, err
	}
	c := p2p.DefaultConfig()
	c.ListenAddr = n.cfg.P2P.ListenAddr
	c.Key = n.key
	c.Genesis = n.genesisHash
	for i := range addrs {
		c.Peers = append(c.Peers, p2p.Peer{Address: addrs[i], Addr: hosts[i]})
	}
	c.Authorized = n.isValidator
	return p2p.NewTCP(c, n.log.Named("p2p"))
}

// isValidator reports whether addr is in the current or next validator set.
func (n *Node) isValidator(addr attest.Address) bool {
	n.mu.RLock()
	defer n.mu.RUnlock()
	return n.chain.vals.IndexOf(addr) >= 0 || n.chain.nextVals.IndexOf(addr) >= 0
}
