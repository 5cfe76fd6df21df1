import { extendZodWithOpenApi } from '@asteasolutions/zod-to-openapi';
import { z } from 'zod';

// Once per process, before any schema is declared: adds .openapi() so schemas document themselves.
extendZodWithOpenApi(z);

export { z };
