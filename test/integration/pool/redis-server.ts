// The pool tests' redis-server lives in bench/lib (bench:scale uses it; benches import no tests).
export * from '../../../bench/lib/redis-server.js';
