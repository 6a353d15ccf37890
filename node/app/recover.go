package app

import (
	"runtime"
	"sync"
	"sync/atomic"
)

// minParallelRecover is the number of uncached signatures below which
// spawning workers costs more than it saves.
const minParallelRecover = 4

// recoverSenders fills sender or err of out[i] for every i in idx, spreading
// the signature recoveries over GOMAXPROCS workers. Each worker writes only
// the elements it claims, so out needs no lock.
func (a *App) recoverSenders(out []prepared, idx []int) {
	workers := min(runtime.GOMAXPROCS(0), len(idx))
	if len(idx) < minParallelRecover || workers < 2 {
		for _, i := range idx {
			a.recoverOne(&out[i])
		}
		return
	}
	var next atomic.Int64
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for {
				k := int(next.Add(1)) - 1
				if k >= len(idx) {
					return
				}
				a.recoverOne(&out[idx[k]])
			}
		})
	}
	wg.Wait()
}

func (a *App) recoverOne(p *prepared) {
	p.sender, p.err = a.cache.Sender(a.genesis, p.tx, p.hash)
}
