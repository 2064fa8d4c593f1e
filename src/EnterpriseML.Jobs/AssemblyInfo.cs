namespace EnterpriseML.Jobs;
internal static class AssemblyMarker;
