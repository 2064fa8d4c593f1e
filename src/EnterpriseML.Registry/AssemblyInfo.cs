namespace EnterpriseML.Registry;
internal static class AssemblyMarker;
