import { startTelemetry } from '@countersign/platform/telemetry';

// Runs before anything else is imported so that the http instrumentation can patch node:http.
startTelemetry('intake');
