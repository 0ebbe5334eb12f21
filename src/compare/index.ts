/**
 * Comparison of a new run or suite with a baseline: read both folders (readSide), compare (pure:
 * compareSides), render (comparisonMarkdown; compare.json is the Comparison itself, schema comparisonSchema).
 */
export { type CompareOptions, compareSides } from './compare.ts';
export { comparisonMarkdown } from './markdown.ts';
export {
  type CellChange,
  type CellSample,
  type Comparison,
  type ComparisonStatus,
  comparisonSchema,
  type ExpectationChange,
  type ExpectationSample,
  type PhaseChange,
  type SideInfo,
  type TimeShift,
} from './model.ts';
export { readSide, type Side, type SideRun } from './read.ts';
export { bootstrapMedianDiff, judgeTimes } from './stats.ts';
export {
  allowanceMs,
  defaultTolerance,
  formatTolerance,
  parseTolerance,
  type Tolerance,
} from './tolerance.ts';
