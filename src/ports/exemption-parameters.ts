/** One parameter under the exemption path: its full name and raw value (validated by the caller). */
export interface ExemptionParameter {
  name: string;
  value: string;
}

/**
 * Central exemptions kept outside the config file (remediation.exemptions.ssmPath): raw entries,
 * one per parameter. Throws when they cannot be read: the caller grants none then (fail closed).
 */
export interface ExemptionParameters {
  /** Where they are read from, for people: "SSM /vigil/exemptions". */
  readonly source: string;
  read(): Promise<ExemptionParameter[]>;
}
