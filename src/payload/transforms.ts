import { FiredrillError } from '../core/errors.ts';
import { type Rng, randomIndex, weightedIndex } from '../core/rng.ts';
import type { DriftTransform } from '../scenario/payload.ts';
import type { CellValue, PayloadRow, Reference } from './reference.ts';

/**
 * Drift transforms as pure functions row → row. A transform is compiled once against the reference (σ, the
 * range, the categories, the rows per class), then applied per row with the request's seeded RNG and an
 * intensity in [0, 1] (1 = full strength; less while ramping in):
 * - mean-shift: x + intensity·k·σ;  scale: μ + (1 + intensity·(f − 1))·(x − μ);
 * - category-mix: with probability `intensity` the value is redrawn from the weights;
 * - missing, out-of-range, new-category and the schema breaks: on a share `intensity · rate` of rows;
 * - label-shift: with probability `intensity` the row is replaced by one drawn by class weight, then
 *   uniformly within the class (a prior shift that keeps each class's feature distribution).
 * The input row is never modified.
 */
export type CompiledTransform = (row: PayloadRow, rng: Rng, intensity: number) => PayloadRow;

function invalid(where: string, message: string, hint: string): FiredrillError {
  return new FiredrillError('FD_SCENARIO_INVALID', `${where}: ${message}`, { hint });
}

function columnOf(reference: Reference, where: string, feature: string, types: string[]) {
  const column = reference.columns.find((c) => c.name === feature);
  const names = reference.columns.map((c) => c.name).join(', ');
  if (!column)
    throw invalid(where, `the reference ${reference.file} has no column "${feature}"`, `columns: ${names}`);
  if (!types.includes(column.type)) {
    throw invalid(
      where,
      `column "${feature}" is ${column.type}; this transform needs a ${types.join(' or ')} column`,
      `columns: ${names}`,
    );
  }
  return column;
}

function setValue(row: PayloadRow, feature: string, value: CellValue): PayloadRow {
  return { ...row, [feature]: value };
}

/** Compiles one transform; `where` names it in errors (e.g. "payload.drift[0]"). */
export function compileTransform(t: DriftTransform, reference: Reference, where: string): CompiledTransform {
  switch (t.kind) {
    case 'mean-shift': {
      columnOf(reference, where, t.feature, ['numeric']);
      const { std } = reference.stats[t.feature]!;
      const delta = t.sigma * std;
      return (row, _rng, intensity) => {
        const v = row[t.feature];
        return typeof v === 'number' ? setValue(row, t.feature, v + intensity * delta) : row;
      };
    }
    case 'scale': {
      columnOf(reference, where, t.feature, ['numeric']);
      const { mean } = reference.stats[t.feature]!;
      return (row, _rng, intensity) => {
        const v = row[t.feature];
        const f = 1 + intensity * (t.factor - 1);
        return typeof v === 'number' ? setValue(row, t.feature, mean + f * (v - mean)) : row;
      };
    }
    case 'category-mix': {
      columnOf(reference, where, t.feature, ['categorical', 'label']);
      const values = Object.keys(t.weights);
      const weights = Object.values(t.weights);
      return (row, rng, intensity) =>
        rng() < intensity ? setValue(row, t.feature, values[weightedIndex(rng, weights)]!) : row;
    }
    case 'missing': {
      columnOf(reference, where, t.feature, ['numeric', 'categorical', 'boolean', 'label']);
      return (row, rng, intensity) => (rng() < intensity * t.rate ? setValue(row, t.feature, null) : row);
    }
    case 'out-of-range': {
      columnOf(reference, where, t.feature, ['numeric']);
      const { std, min, max } = reference.stats[t.feature]!;
      return (row, rng, intensity) => {
        if (!(rng() < intensity * t.rate)) return row;
        const beyond = (1 - rng()) * t.sigma * std; // (0, sigma·σ]
        return setValue(row, t.feature, t.side === 'high' ? max + beyond : min - beyond);
      };
    }
    case 'new-category': {
      columnOf(reference, where, t.feature, ['categorical', 'label']);
      if (reference.categories[t.feature]?.includes(t.category)) {
        throw invalid(
          where,
          `"${t.category}" is already a category of "${t.feature}" in the reference`,
          'name a category the reference never had',
        );
      }
      return (row, rng, intensity) =>
        rng() < intensity * t.rate ? setValue(row, t.feature, t.category) : row;
    }
    case 'label-shift': {
      const label = reference.labelColumn;
      if (!label) {
        throw invalid(
          where,
          `the reference ${reference.file} has no label column`,
          "mark the class column { species: 'label' } in payload.schema",
        );
      }
      const classes = reference.categories[label] ?? [];
      for (const name of Object.keys(t.weights)) {
        if (!classes.includes(name))
          throw invalid(
            where,
            `"${name}" is not a class of ${label} (classes: ${classes.join(', ')})`,
            'weights are keyed by class',
          );
      }
      const byClass = classes.map((c) => reference.rows.filter((r) => r[label] === c));
      const weights = classes.map((c) => t.weights[c] ?? 0);
      return (row, rng, intensity) => {
        if (!(rng() < intensity)) return row;
        const members = byClass[weightedIndex(rng, weights)]!;
        return members[randomIndex(rng, members.length)]!;
      };
    }
    case 'missing-field':
      columnOf(reference, where, t.feature, ['numeric', 'categorical', 'boolean', 'label', 'id']);
      return (row, rng, intensity) => {
        if (!(rng() < intensity * t.share)) return row;
        const { [t.feature]: _dropped, ...rest } = row;
        return rest;
      };
    case 'wrong-type':
      columnOf(reference, where, t.feature, ['numeric', 'categorical', 'boolean', 'label', 'id']);
      return (row, rng, intensity) => {
        if (!(rng() < intensity * t.share)) return row;
        const v = row[t.feature];
        if (t.as === 'boolean') return setValue(row, t.feature, typeof v === 'boolean' ? String(v) : true);
        return setValue(row, t.feature, typeof v === 'string' ? 0 : String(v));
      };
    case 'renamed-field':
      columnOf(reference, where, t.feature, ['numeric', 'categorical', 'boolean', 'label', 'id']);
      return (row, rng, intensity) => {
        if (!(rng() < intensity * t.share)) return row;
        const out: PayloadRow = {};
        for (const [k, v] of Object.entries(row)) out[k === t.feature ? t.to : k] = v;
        return out;
      };
    case 'extra-field':
      return (row, rng, intensity) => (rng() < intensity * t.share ? setValue(row, t.field, t.value) : row);
    default: {
      const never: never = t;
      throw new Error(`unknown drift kind ${(never as { kind: string }).kind}`);
    }
  }
}

/** True for the schema breaks: rows the server is expected to reject (or count as violations). */
export function isSchemaBreak(t: DriftTransform): boolean {
  return (
    t.kind === 'missing-field' ||
    t.kind === 'wrong-type' ||
    t.kind === 'renamed-field' ||
    t.kind === 'extra-field'
  );
}
