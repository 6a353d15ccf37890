package p2p

import (
	"bufio"
	"bytes"
	"crypto/ecdh"
	"crypto/ecdsa"
	"crypto/hkdf"
	"crypto/rand"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"net"

	"golang.org/x/crypto/chacha20poly1305"

	"github.com/causeway/causeway/attest"
)

// Handshake wire format.
//
//	hello = magic(4) ‖ version(1) ‖ genesis(32) ‖ x25519 public key(32), in a plain frame
//	auth  = role(1) ‖ address(20) ‖ signature(65), in the first sealed frame
//
// The initiator sends its hello first, the responder answers with its own;
// then the initiator proves its identity first, so a responder reveals who it
// is only to an initiator it has authenticated and authorized.
const (
	handshakeMagic   = "CWP2"
	handshakeVersion = 1
	x25519KeyBytes   = 32
	helloBytes       = len(handshakeMagic) + 1 + len(attest.Hash{}) + x25519KeyBytes
	authBytes        = 1 + len(attest.Address{}) + attest.SignatureLength
	// maxHandshakeFrame bounds every handshake frame, so an unauthenticated
	// remote cannot make us allocate much.
	maxHandshakeFrame = 256
	// authMessageType marks the sealed auth frame.
	authMessageType = 0

	transcriptLabel = "causeway/p2p/transcript/v1"
	keyInfoToResp   = "causeway/p2p/key/initiator-to-responder/v1"
	keyInfoToInit   = "causeway/p2p/key/responder-to-initiator/v1"
	sessionKeyBytes = chacha20poly1305.KeySize
)

// role is a side of the handshake; it is signed, so a signature cannot be
// reflected back to its maker.
type role byte

const (
	roleInitiator role = 1
	roleResponder role = 2
)

func (r role) peer() role {
	if r == roleInitiator {
		return roleResponder
	}
	return roleInitiator
}

// identity is what a node proves in a handshake.
type identity struct {
	key     *ecdsa.PrivateKey
	addr    attest.Address
	genesis attest.Hash
}

func newIdentity(key *ecdsa.PrivateKey, genesis attest.Hash) identity {
	return identity{key: key, addr: attest.AddressOf(key), genesis: genesis}
}

// handshake authenticates the remote end of rw and returns the session and
// the remote's address. admit is called with the authenticated address before
// this side reveals its own identity (responder) or finishes (initiator); an
// error from it aborts the handshake. Deadlines are the caller's business.
func handshake(rw io.ReadWriter, self role, id identity, maxFrame int, admit func(attest.Address) error) (*secureConn, attest.Address, error) {
	br := bufio.NewReaderSize(rw, ioBufferBytes)
	keys, transcript, err := exchangeHellos(br, rw, self, id.genesis)
	if err != nil {
		return nil, attest.Address{}, err
	}
	sc, err := newSecureConn(br, rw, keys, maxFrame)
	if err != nil {
		return nil, attest.Address{}, err
	}
	remote, err := exchangeAuth(sc, self, id, transcript, admit)
	if err != nil {
		return nil, attest.Address{}, err
	}
	return sc, remote, nil
}

// exchangeHellos swaps ephemeral keys and derives the session keys.
func exchangeHellos(br *bufio.Reader, w io.Writer, self role, genesis attest.Hash) (sessionKeys, attest.Hash, error) {
	eph, err := ecdh.X25519().GenerateKey(rand.Reader)
	if err != nil {
		return sessionKeys{}, attest.Hash{}, fmt.Errorf("generate ephemeral key: %w", err)
	}
	local := encodeHello(genesis, eph.PublicKey())
	var remote []byte
	if self == roleInitiator {
		if err = writeFrame(w, local); err == nil {
			remote, err = readFrame(br, maxHandshakeFrame)
		}
	} else {
		if remote, err = readFrame(br, maxHandshakeFrame); err == nil {
			err = writeFrame(w, local)
		}
	}
	if err != nil {
		return sessionKeys{}, attest.Hash{}, handshakeIOError("exchange hellos", err)
	}
	return deriveSession(eph, local, remote, self, genesis)
}

func deriveSession(eph *ecdh.PrivateKey, local, remote []byte, self role, genesis attest.Hash) (sessionKeys, attest.Hash, error) {
	remoteGenesis, remotePub, err := decodeHello(remote)
	if err != nil {
		return sessionKeys{}, attest.Hash{}, err
	}
	if remoteGenesis != genesis {
		return sessionKeys{}, attest.Hash{}, fmt.Errorf("handshake: remote genesis %s, ours %s: %w", remoteGenesis, genesis, ErrWrongGenesis)
	}
	shared, err := eph.ECDH(remotePub)
	if err != nil {
		return sessionKeys{}, attest.Hash{}, fmt.Errorf("handshake key agreement: %v: %w", err, ErrUnauthenticated)
	}
	initHello, respHello := local, remote
	if self == roleResponder {
		initHello, respHello = remote, local
	}
	transcript := attest.Hash(sha256.Sum256(bytes.Join([][]byte{[]byte(transcriptLabel), initHello, respHello}, nil)))
	toResp, err := hkdf.Key(sha256.New, shared, transcript[:], keyInfoToResp, sessionKeyBytes)
	if err != nil {
		return sessionKeys{}, attest.Hash{}, fmt.Errorf("derive session key: %w", err)
	}
	toInit, err := hkdf.Key(sha256.New, shared, transcript[:], keyInfoToInit, sessionKeyBytes)
	if err != nil {
		return sessionKeys{}, attest.Hash{}, fmt.Errorf("derive session key: %w", err)
	}
	if self == roleInitiator {
		return sessionKeys{send: toResp, recv: toInit}, transcript, nil
	}
	return sessionKeys{send: toInit, recv: toResp}, transcript, nil
}

// exchangeAuth swaps signed identities over the sealed session.
func exchangeAuth(sc *secureConn, self role, id identity, transcript attest.Hash, admit func(attest.Address) error) (attest.Address, error) {
	if self == roleInitiator {
		if err := sendAuth(sc, self, id, transcript); err != nil {
			return attest.Address{}, err
		}
	}
	remote, err := readAuth(sc, self.peer(), id.genesis, transcript)
	if err != nil {
		return attest.Address{}, err
	}
	if err := admit(remote); err != nil {
		return remote, err
	}
	if self == roleResponder {
		if err := sendAuth(sc, self, id, transcript); err != nil {
			return attest.Address{}, err
		}
	}
	return remote, nil
}

func sendAuth(sc *secureConn, self role, id identity, transcript attest.Hash) error {
	sig, err := attest.Sign(authDigest(id.genesis, self, transcript), id.key)
	if err != nil {
		return fmt.Errorf("sign handshake: %w", err)
	}
	payload := make([]byte, 0, authBytes)
	payload = append(payload, byte(self))
	payload = append(payload, id.addr[:]...)
	payload = append(payload, sig...)
	if err := sc.writeMessage(Message{Type: authMessageType, Payload: payload}); err != nil {
		return handshakeIOError("send auth", err)
	}
	if err := sc.flush(); err != nil {
		return handshakeIOError("send auth", err)
	}
	return nil
}

func readAuth(sc *secureConn, want role, genesis attest.Hash, transcript attest.Hash) (attest.Address, error) {
	m, err := sc.readMessageLimit(maxHandshakeFrame)
	if err != nil {
		return attest.Address{}, handshakeIOError("read auth", err)
	}
	if m.Type != authMessageType || len(m.Payload) != authBytes || role(m.Payload[0]) != want {
		return attest.Address{}, fmt.Errorf("handshake: malformed auth (type %d, %d bytes): %w", m.Type, len(m.Payload), ErrUnauthenticated)
	}
	claimed := attest.Address(m.Payload[1 : 1+len(attest.Address{})])
	signer, err := attest.Recover(authDigest(genesis, want, transcript), m.Payload[1+len(attest.Address{}):])
	if err != nil {
		return attest.Address{}, fmt.Errorf("handshake: %v: %w", err, ErrUnauthenticated)
	}
	if signer != claimed {
		return attest.Address{}, fmt.Errorf("handshake: %s claimed, %s signed: %w", claimed, signer, ErrUnauthenticated)
	}
	return claimed, nil
}

// authDigest is what a side signs: its role and the transcript, on this chain.
func authDigest(genesis attest.Hash, r role, transcript attest.Hash) attest.Hash {
	return attest.Digest(attest.TagHandshake, genesis, append([]byte{byte(r)}, transcript[:]...))
}

func encodeHello(genesis attest.Hash, pub *ecdh.PublicKey) []byte {
	b := make([]byte, 0, helloBytes)
	b = append(b, handshakeMagic...)
	b = append(b, handshakeVersion)
	b = append(b, genesis[:]...)
	return append(b, pub.Bytes()...)
}

func decodeHello(b []byte) (attest.Hash, *ecdh.PublicKey, error) {
	if len(b) != helloBytes || string(b[:len(handshakeMagic)]) != handshakeMagic {
		return attest.Hash{}, nil, fmt.Errorf("handshake: malformed hello (%d bytes): %w", len(b), ErrUnauthenticated)
	}
	if v := b[len(handshakeMagic)]; v != handshakeVersion {
		return attest.Hash{}, nil, fmt.Errorf("handshake: protocol version %d, want %d: %w", v, handshakeVersion, ErrUnauthenticated)
	}
	off := len(handshakeMagic) + 1
	genesis := attest.Hash(b[off : off+len(attest.Hash{})])
	pub, err := ecdh.X25519().NewPublicKey(b[off+len(attest.Hash{}):])
	if err != nil {
		return attest.Hash{}, nil, fmt.Errorf("handshake: ephemeral key: %v: %w", err, ErrUnauthenticated)
	}
	return genesis, pub, nil
}

// handshakeIOError wraps a transport error of the handshake, marking timeouts
// with ErrHandshakeTimeout and oversize or undecryptable frames as unauthenticated.
func handshakeIOError(op string, err error) error {
	var ne net.Error
	switch {
	case errors.As(err, &ne) && ne.Timeout():
		return fmt.Errorf("handshake %s: %w: %w", op, ErrHandshakeTimeout, err)
	case errors.Is(err, ErrFrameTooLarge), errors.Is(err, ErrDecrypt):
		return fmt.Errorf("handshake %s: %w: %w", op, ErrUnauthenticated, err)
	}
	return fmt.Errorf("handshake %s: %w", op, err)
}
