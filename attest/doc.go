// Package attest holds the pure cryptographic vocabulary that validators and
// relays share: domain-separated digests, secp256k1 signing and recovery,
// validator sets, votes, quorum certificates, certified headers, equivocation
// evidence and Merkle Patricia proof verification.
//
// Everything here is a pure function of its inputs. The package does no I/O,
// keeps no state and must not import node, relay or settlement.
package attest
