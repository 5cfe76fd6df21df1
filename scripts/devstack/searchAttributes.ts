import { Connection } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { SEARCH_ATTRIBUTES } from '../../workflows/shared/searchAttributes';

const INDEXED = temporal.api.enums.v1.IndexedValueType;

/** Registers the project's custom search attributes on a namespace; a no-op for those already there. */
export async function registerSearchAttributes(address: string, namespace: string): Promise<string[]> {
  const connection = await Connection.connect({ address });
  try {
    const existing = await connection.operatorService.listSearchAttributes({ namespace });
    const missing = SEARCH_ATTRIBUTES.filter((k) => !(k.name in (existing.customAttributes ?? {})));
    if (missing.length > 0) {
      await connection.operatorService.addSearchAttributes({
        namespace,
        searchAttributes: Object.fromEntries(missing.map((k) => [k.name, INDEXED.INDEXED_VALUE_TYPE_KEYWORD])),
      });
    }
    return missing.map((k) => k.name);
  } finally {
    await connection.close();
  }
}
