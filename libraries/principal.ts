/** Who is asking: what every business call is told, whatever credential the request came with. */
export interface Principal {
  sessionId: string;
  accountId: string;
  profileId: string;
  companyId: string | null;
  isCompanyAdmin: boolean;
}
