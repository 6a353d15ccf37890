// scope.js: what a view owns — timers, polls, fetches and feeds — so that
// leaving the view stops all of it at once.

export class Scope {
  constructor() {
    this.abort = new AbortController();
    this.stoppers = [];
    this.stopped = false;
  }

  get signal() {
    return this.abort.signal;
  }

  // every runs fn now and then interval ms after each run completes, so a
  // slow gateway never has two polls of one kind in flight.
  every(interval, fn) {
    let timer = 0;
    const run = async () => {
      try {
        await fn();
      } catch (err) {
        if (err?.name !== 'AbortError') console.warn(err);
      }
      if (!this.stopped) timer = setTimeout(run, interval);
    };
    run();
    this.onStop(() => clearTimeout(timer));
  }

  // coalesce returns a function that runs fn once after delay, however
  // often it is called meanwhile, and again if called while fn runs.
  coalesce(delay, fn) {
    let timer = 0;
    let running = false;
    let again = false;
    const fire = async () => {
      timer = 0;
      running = true;
      try {
        await fn();
      } catch (err) {
        if (err?.name !== 'AbortError') console.warn(err);
      }
      running = false;
      if (again && !this.stopped) {
        again = false;
        timer = setTimeout(fire, delay);
      }
    };
    this.onStop(() => clearTimeout(timer));
    return () => {
      if (running) again = true;
      else if (!timer && !this.stopped) timer = setTimeout(fire, delay);
    };
  }

  onStop(fn) {
    this.stoppers.push(fn);
  }

  stop() {
    this.stopped = true;
    this.abort.abort();
    for (const fn of this.stoppers) fn();
  }
}
