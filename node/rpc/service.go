package rpc

import (
	"context"
	"fmt"

	"github.com/ethereum/go-ethereum/common/hexutil"
	"go.uber.org/zap"

	"github.com/causeway/causeway/attest"
)

// service is the "cw" namespace. Every exported method is an RPC method:
// go-ethereum's rpc package calls Foo as cw_foo, and subscription methods
// (NewHeads, Events) through cw_subscribe("newHeads"), cw_subscribe("events").
// Methods return only *Error values as errors, because the rpc package reads
// the code from the error itself, not from its chain.
type service struct {
	b      Backend
	cfg    Config
	log    *zap.Logger
	heads  *hub[[]byte]
	events *hub[*BlockEvents]
	spawn  func(func()) // runs a subscription's forwarding loop under the server's WaitGroup
}

// Status returns the node's status (cw_status).
func (s *service) Status(ctx context.Context) (*Status, error) {
	st, err := s.b.Status(ctx)
	if err != nil {
		return nil, s.fail("cw_status", err)
	}
	return st, nil
}

// SendRawTransaction admits an encoded transaction (cw_sendRawTransaction).
func (s *service) SendRawTransaction(ctx context.Context, raw hexutil.Bytes) (attest.Hash, error) {
	if len(raw) == 0 {
		return attest.Hash{}, Errorf(CodeInvalidParams, "empty transaction")
	}
	h, err := s.b.SendRawTransaction(ctx, raw)
	if err != nil {
		return attest.Hash{}, s.fail("cw_sendRawTransaction", err)
	}
	return h, nil
}

// GetTransactionReceipt returns a receipt, or null while the transaction is
// unknown or pending (cw_getTransactionReceipt).
func (s *service) GetTransactionReceipt(ctx context.Context, hash attest.Hash) (*Receipt, error) {
	r, err := s.b.Receipt(ctx, hash)
	if err != nil {
		return nil, s.fail("cw_getTransactionReceipt", err)
	}
	return r, nil
}

// GetBlockByHeight returns a certified block (cw_getBlockByHeight).
func (s *service) GetBlockByHeight(ctx context.Context, height uint64, fullTxs *bool) (*Block, error) {
	if err := s.checkBlockHeight(height); err != nil {
		return nil, err
	}
	c, err := s.b.Block(ctx, height)
	if err != nil {
		return nil, s.fail("cw_getBlockByHeight", err)
	}
	return NewBlock(c, fullTxs != nil && *fullTxs), nil
}

// GetCertifiedHeader returns the header at height with its QC (cw_getCertifiedHeader).
func (s *service) GetCertifiedHeader(ctx context.Context, height uint64) (*CertifiedHeader, error) {
	if err := s.checkBlockHeight(height); err != nil {
		return nil, err
	}
	c, err := s.b.CertifiedHeader(ctx, height)
	if err != nil {
		return nil, s.fail("cw_getCertifiedHeader", err)
	}
	out, err := NewCertifiedHeader(c)
	if err != nil {
		return nil, s.fail("cw_getCertifiedHeader", err)
	}
	return out, nil
}

// GetProof proves keys against the state root at height (cw_getProof).
func (s *service) GetProof(ctx context.Context, keys []string, height uint64) (*Proofs, error) {
	raw, err := s.parseKeys(keys)
	if err != nil {
		return nil, err
	}
	if err := s.checkStateHeight(height); err != nil {
		return nil, err
	}
	root, proofs, err := s.b.Prove(ctx, height, raw)
	if err != nil {
		return nil, s.fail("cw_getProof", err)
	}
	if len(proofs) != len(raw) {
		return nil, s.fail("cw_getProof", fmt.Errorf("backend proved %d of %d keys", len(proofs), len(raw)))
	}
	out := &Proofs{Height: height, StateRoot: root, Proofs: make([]KeyProof, len(raw))}
	for i, p := range proofs {
		out.Proofs[i] = newKeyProof(string(raw[i]), p)
	}
	return out, nil
}

// GetAccount returns an account at height, or at the latest height when
// height is null (cw_getAccount).
func (s *service) GetAccount(ctx context.Context, addr Address, height *uint64) (*Account, error) {
	h, err := s.resolveHeight(height)
	if err != nil {
		return nil, err
	}
	acct, err := s.b.Account(ctx, addr.Attest(), h)
	if err != nil {
		return nil, s.fail("cw_getAccount", err)
	}
	if acct == nil {
		acct = &Account{}
	}
	acct.Address, acct.Height = addr, h
	if acct.Balances == nil {
		acct.Balances = []Coin{}
	}
	return acct, nil
}

// GetBlockEvents returns a block's receipts and events (cw_getBlockEvents).
func (s *service) GetBlockEvents(ctx context.Context, height uint64) (*BlockEvents, error) {
	if err := s.checkBlockHeight(height); err != nil {
		return nil, err
	}
	ev, err := s.b.BlockEvents(ctx, height)
	if err != nil {
		return nil, s.fail("cw_getBlockEvents", err)
	}
	if ev == nil {
		return nil, s.fail("cw_getBlockEvents", fmt.Errorf("backend returned no events for height %d", height))
	}
	return normalizeEvents(ev), nil
}

// GetValidators returns the validator set of height, or of the latest height
// when height is null (cw_getValidators).
func (s *service) GetValidators(ctx context.Context, height *uint64) (*Validators, error) {
	h, err := s.resolveHeight(height)
	if err != nil {
		return nil, err
	}
	set, err := s.b.Validators(ctx, h)
	if err != nil {
		return nil, s.fail("cw_getValidators", err)
	}
	return NewValidators(h, set), nil
}

// fail turns a backend error into the error the client sees, logging the
// ones the client cannot be told about.
func (s *service) fail(method string, err error) error {
	out, uncoded := apiError(err)
	if uncoded {
		s.log.Error("rpc call", zap.String("method", method), zap.Error(err))
	}
	return out
}

func (s *service) checkBlockHeight(height uint64) error {
	if height == 0 {
		return Errorf(CodeNotFound, "blocks start at height 1")
	}
	return s.checkStateHeight(height)
}

func (s *service) checkStateHeight(height uint64) error {
	if latest := s.b.LatestHeight(); height > latest {
		return Errorf(CodeNotFound, "height %d is not committed; latest is %d", height, latest)
	}
	return nil
}

func (s *service) resolveHeight(height *uint64) (uint64, error) {
	if height == nil {
		return s.b.LatestHeight(), nil
	}
	return *height, s.checkStateHeight(*height)
}

func (s *service) parseKeys(keys []string) ([][]byte, error) {
	if len(keys) == 0 {
		return nil, Errorf(CodeInvalidParams, "no keys to prove")
	}
	if len(keys) > s.cfg.MaxProofKeys {
		return nil, Errorf(CodeLimitExceeded, "%d keys; at most %d per call", len(keys), s.cfg.MaxProofKeys)
	}
	out := make([][]byte, len(keys))
	for i, k := range keys {
		b, err := ParseKey(k)
		if err != nil {
			return nil, Errorf(CodeInvalidParams, "keys[%d]: %v", i, err)
		}
		out[i] = b
	}
	return out, nil
}

func newKeyProof(key string, p StateProof) KeyProof {
	kp := KeyProof{Key: key, Proof: bytesList(p.Proof)}
	if p.Value != nil {
		v := hexutil.Bytes(p.Value)
		kp.Value = &v
	}
	return kp
}

// normalizeEvents makes empty lists encode as [] rather than null.
func normalizeEvents(ev *BlockEvents) *BlockEvents {
	out := *ev
	if out.Receipts == nil {
		out.Receipts = []Receipt{}
	}
	if out.Events == nil {
		out.Events = []Event{}
	}
	return &out
}
