import { COUNTRY_CODES } from '../../workflows/shared/countryCodes';

const names = new Intl.DisplayNames(['en'], { type: 'region' });

/** Every ISO 3166-1 alpha-2 code with its English name, by name. */
export const COUNTRIES: { code: string; name: string }[] = COUNTRY_CODES.map((code) => ({ code, name: names.of(code) ?? code }))
  .sort((a, b) => a.name.localeCompare(b.name, 'en'));

export const countryName = (code: string): string => names.of(code) ?? code;
