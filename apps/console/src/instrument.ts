import { startTelemetry } from '@countersign/platform/telemetry';

// Imported first by main.ts: instrumentation must patch http before Nest loads it.
startTelemetry('console');
