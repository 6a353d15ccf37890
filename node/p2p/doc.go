// Package p2p carries consensus messages between the validators of one chain.
//
// Two transports implement Transport: TCP, for real deployments, and
// MemNetwork, an in-memory network for tests that can cut and heal links.
//
// On TCP every connection starts with a handshake that authenticates both
// ends by their validator keys and binds the session to the chain's genesis
// hash: each side sends an ephemeral X25519 key, both derive per-direction
// ChaCha20-Poly1305 keys with HKDF-SHA256 over the shared secret and the
// transcript, and each side then proves its identity by a secp256k1 signature
// over attest.Digest(attest.TagHandshake, genesis, role ‖ transcript hash),
// sent encrypted. After the handshake every frame is a 4-byte big-endian
// length followed by an AEAD-sealed message; nonces are per-direction
// counters, so a replayed, reordered or tampered frame fails to open and
// closes the connection.
//
// The package owns connections, framing, encryption and peer bookkeeping. It
// must not interpret message payloads: consensus and block sync above it do,
// and they re-broadcast what matters, which is why a full send queue drops
// its oldest message instead of blocking.
package p2p
