/**
 * Where the benchmarks find things: the checkout, the local models (`$NOOK_MODELS_DIR`, default
 * models/) and the shared fixtures (`$NOOK_FIXTURES_DIR`, default ../shared/fixtures), resolved the
 * same way as for the tests (test/models/modelFiles.ts).
 */
export { fixturesDir, modelsDir, repoRoot as root } from '../test/models/modelFiles';
