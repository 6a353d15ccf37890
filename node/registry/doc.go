// Package registry is the on-chain module that owns the validator set and,
// as the identity layer grows, membership, regulators, certificates and
// relayer bonds (DESIGN §4). Today it applies the genesis validator schedule:
// at each scheduled height its EndBlock hands the node the new set, which
// takes effect at the next height and reaches other chains' light clients
// through the handoff header.
package registry
