import { startTelemetry } from '@countersign/platform/telemetry';

// Loaded before anything else so that the http instrumentation patches modules before they are imported.
startTelemetry('broker');
