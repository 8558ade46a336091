// Loaded with NODE_OPTIONS=--import (Node 20 refuses --cpu-prof there): profiles the whole process and
// writes a .cpuprofile (Chrome DevTools) into BENCH_CPU_PROF_DIR when it gets SIGTERM.
import { Session } from 'node:inspector';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

const dir = process.env.BENCH_CPU_PROF_DIR;
if (dir) {
  const session = new Session();
  session.connect();
  session.post('Profiler.enable');
  session.post('Profiler.setSamplingInterval', { interval: 500 });
  session.post('Profiler.start');
  // On SIGTERM, not 'exit': Nest re-raises the signal after its shutdown hooks, which skips 'exit'.
  process.once('SIGTERM', () => {
    // The main thread's session answers synchronously, so the file is written before anything else runs.
    session.post('Profiler.stop', (err, result) => {
      if (!err) writeFileSync(join(dir, `${process.env.BENCH_PROFILE_NAME ?? 'node'}-${process.pid}.cpuprofile`), JSON.stringify(result.profile));
    });
  });
}
